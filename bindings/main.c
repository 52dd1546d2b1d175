/* duo-lua: a Lua 5.4 interpreter with the duo module built in.
 * See README.md and `duo-lua --help` for the command line. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "crypto.h"
#include "host.h"
#include "json.h"
#include "lduo.h"
#include "transport.h"
#include "version.h"
#include "platform.h"

int luaopen_cjson(lua_State *L);
int luaopen_cjson_safe(lua_State *L);

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

static const char usage_text[] =
    "usage: duo-lua [options] [script [args...]]\n"
    "       duo-lua [options] -w NAME [args...]\n"
    "Run a Lua script with the duo module built in; with no script, a REPL\n"
    "when standard input is a terminal.\n"
    "\n"
    "  -e CHUNK          run CHUNK (may repeat)\n"
    "  -l NAME           require NAME into the global NAME\n"
    "  -i                enter the REPL after the script\n"
    "  -w NAME           run a bundled workflow (-w list: list them)\n"
    "  -p, --profile P   the profile used when a script names none\n"
    "  -c, --config F    config file (else $DUO_LUA_CONFIG, else\n"
    "                    $XDG_CONFIG_HOME/duo-lua/config.lua)\n"
    "  --sandbox[=SEED]  talk to the built-in Duo simulator instead of Duo\n"
    "  --dry-run         print what each write call would send, send nothing\n"
    "  --workflows-dir D also look for workflows in folder D (may repeat)\n"
    "  --trace           one line per request attempt on stderr (or DUO_LUA_TRACE=1)\n"
    "  --log FILE        append one JSON line per request attempt to FILE\n"
    "  -v, --version     versions of duo-lua, Lua, libcurl, Mbed TLS and the CA bundle\n"
    "  -h, --help        this text\n"
    "  --                stop handling options\n"
    "  -                 run standard input as the script\n";

#define MAX_WORKFLOW_DIRS 16

typedef struct options {
    int interactive;         /* -i */
    int version;
    const char *workflow;    /* -w */
    const char *profile, *config, *sandbox;
    const char *workflow_dirs[MAX_WORKFLOW_DIRS];   /* --workflows-dir, in order */
    int n_workflow_dirs;
    int dry_run;
    int trace;               /* --trace */
    const char *log;         /* --log FILE */
    int script;              /* argv index of the script or workflow args, 0: none */
    int has_chunks;          /* some -e or -l */
} options;

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "duo-lua: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nTry 'duo-lua --help'.\n");
    return EXIT_USAGE;
}

/* The value of an option written "--name VALUE" or "--name=VALUE" at
 * argv[*i] (advancing *i past a separate value); NULL when argv[*i] is
 * not that option. *error is set when the option is there without a value. */
static const char *option_value(int argc, char **argv, int *i, const char *shortname,
                                const char *longname, int *error)
{
    const char *a = argv[*i];
    size_t n = strlen(longname);

    if ((shortname != NULL && strcmp(a, shortname) == 0) || strcmp(a, longname) == 0) {
        if (*i + 1 >= argc || argv[*i + 1][0] == '\0') {
            *error = 1;
            return a;
        }
        return argv[++*i];
    }
    if (strncmp(a, longname, n) == 0 && a[n] == '=') {
        if (a[n + 1] == '\0')
            *error = 1;
        return a + n + 1;
    }
    return NULL;
}

/* The host's own options, the same before a script or workflow and after a
 * workflow's name (-w NAME --profile P ...): the one place they are read.
 * Returns 1 when argv[*i] was one (consumed, *i on its last word), 0 when
 * it is not, or -EXIT_USAGE after printing the error. */
static int host_option(int argc, char **argv, int *i, options *o)
{
    const char *a = argv[*i], *v;
    int error = 0;

    if (strcmp(a, "--dry-run") == 0) {
        o->dry_run = 1;
    } else if (strcmp(a, "--trace") == 0) {
        o->trace = 1;
    } else if ((v = option_value(argc, argv, i, NULL, "--log", &error)) != NULL) {
        if (error)
            return -usage_error("'%s' needs a file name", v);
        o->log = v;
    } else if (strcmp(a, "--sandbox") == 0) {
        if (o->sandbox == NULL)
            o->sandbox = "";
    } else if (strncmp(a, "--sandbox=", 10) == 0) {
        if (a[10] == '\0')
            return -usage_error("%s needs a seed file after '='", a);
        o->sandbox = a + 10;
    } else if ((v = option_value(argc, argv, i, "-p", "--profile", &error)) != NULL) {
        if (error)
            return -usage_error("'%s' needs a profile name", v);
        o->profile = v;
    } else if ((v = option_value(argc, argv, i, "-c", "--config", &error)) != NULL) {
        if (error)
            return -usage_error("'%s' needs a file name", v);
        o->config = v;
    } else if ((v = option_value(argc, argv, i, NULL, "--workflows-dir", &error)) != NULL) {
        if (error)
            return -usage_error("'%s' needs a folder", v);
        if (o->n_workflow_dirs == MAX_WORKFLOW_DIRS)
            return -usage_error("%s: too many workflow folders", a);
        o->workflow_dirs[o->n_workflow_dirs++] = v;
    } else {
        return 0;
    }
    return 1;
}

/* Takes the host options out of a workflow's arguments (argv[first..],
 * up to a "--"), so the workflow sees only its own; returns the new argc,
 * or -EXIT_USAGE. */
static int take_host_options(int argc, char **argv, int first, options *o)
{
    int i, out = first, rc;

    for (i = first; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        rc = host_option(argc, argv, &i, o);
        if (rc < 0)
            return rc;
        if (rc == 0)
            argv[out++] = argv[i];
    }
    return out;
}

/* Returns -1 when the options are fine, else an exit status. */
static int parse_options(int *argc, char **argv, options *o)
{
    int i, rc;

    memset(o, 0, sizeof(*o));
    for (i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            o->script = i;
            return -1;
        }
        if (strcmp(a, "--") == 0) {
            if (i + 1 < *argc)
                o->script = i + 1;
            return -1;
        }
        rc = host_option(*argc, argv, &i, o);
        if (rc < 0)
            return -rc;
        if (rc > 0)
            continue;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            o->version = 1;
        } else if (strcmp(a, "-i") == 0) {
            o->interactive = 1;
        } else if (strcmp(a, "-e") == 0 || strcmp(a, "-l") == 0) {
            if (++i >= *argc)
                return usage_error("'%s' needs an argument", a);
            o->has_chunks = 1;
        } else if (strcmp(a, "-w") == 0) {
            if (++i >= *argc)
                return usage_error("'%s' needs a workflow name (-w list shows them)", a);
            o->workflow = argv[i];
            o->script = i + 1;
            rc = take_host_options(*argc, argv, i + 1, o);
            if (rc < 0)
                return -rc;
            *argc = rc;
            return -1;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    return -1;
}

static void print_version(void)
{
    int roots = 0;

    duo_pinned_roots(NULL, &roots);
    printf("duo-lua %s\n", DUO_LUA_VERSION);
    printf("%s\n", LUA_RELEASE);
    printf("%s\n", duo_transport_version());
    printf("Mbed TLS %s\n", duo_crypto_version());
    printf("Platform: %s; TLS: %s\n", platform_name(), duo_transport_tls());
    printf("CA bundle: Duo's pinned roots, %d certificates built in (ca = \"system\" or a PEM path to change)\n",
           roots);
}

/* What the command line says to the module. */
static duo_settings settings_of(const options *o)
{
    duo_settings s;

    s.profile = o->profile;
    s.config = o->config;
    s.sandbox = o->sandbox;
    s.log = o->log;
    s.dry_run = o->dry_run;
    s.trace = o->trace;
    s.workflow_dirs = o->workflow_dirs;
    s.n_workflow_dirs = o->n_workflow_dirs;
    return s;
}

/* The global `arg`: arg[0] the script, arg[1..] its arguments, negative
 * indices the interpreter and its options, as the stock lua does. */
static void create_arg_table(lua_State *L, int argc, char **argv, int script)
{
    int i, base = script > 0 ? script : argc;

    lua_createtable(L, argc - base, base);
    for (i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - base);
    }
    lua_setglobal(L, "arg");
}

/* Modules built into the executable, found by require without a path. */
static const luaL_Reg builtin_modules[] = {
    { "duo", luaopen_duo },
    { "duo.json", luaopen_duo_json },
    { "cjson", luaopen_cjson },
    { "cjson.safe", luaopen_cjson_safe },
    { NULL, NULL }
};

static void open_libraries(lua_State *L, const duo_settings *settings)
{
    luaL_openlibs(L);
    duo_host_open_names(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (const luaL_Reg *m = builtin_modules; m->name != NULL; m++) {
        lua_pushcfunction(L, m->func);
        lua_setfield(L, -2, m->name);
    }
    lua_pop(L, 1);
    duo_open_host(L, settings);
}

/* duo.sandbox(seed) ("": the demo tenant), reporting any error. */
static int start_sandbox(lua_State *L, const char *seed)
{
    lua_getglobal(L, "require");
    lua_pushliteral(L, "duo");
    if (duo_host_call(L, 1, 1) != LUA_OK)
        return LUA_ERRRUN;
    lua_getfield(L, -1, "sandbox");
    lua_remove(L, -2);
    if (seed[0] != '\0')
        lua_pushstring(L, seed);
    else
        lua_pushnil(L);
    return duo_host_call(L, 1, 0);
}

/* Runs the -e and -l options in order. */
static int run_chunks(lua_State *L, int argc, char **argv, int stop)
{
    int i;

    for (i = 1; i < stop && i < argc; i++) {
        int status;
        if (strcmp(argv[i], "-e") == 0) {
            const char *chunk = argv[++i];
            status = luaL_loadbuffer(L, chunk, strlen(chunk), "=(command line)");
            if (status == LUA_OK)
                status = duo_host_run(L, 0, 0);
            else
                duo_host_report(L, status);
        } else if (strcmp(argv[i], "-l") == 0) {
            const char *name = argv[++i];
            lua_getglobal(L, "require");
            lua_pushstring(L, name);
            status = duo_host_call(L, 1, 1);
            if (status == LUA_OK)
                lua_setglobal(L, name);
        } else {
            options skipped;   /* already read by parse_options: step over its value */
            memset(&skipped, 0, sizeof(skipped));
            host_option(argc, argv, &i, &skipped);
            continue;
        }
        if (status != LUA_OK)
            return status;
    }
    return LUA_OK;
}

/* Pushes the script's arguments (argv[first..]) and returns their count. */
static int push_script_args(lua_State *L, int argc, char **argv, int first)
{
    int i;

    luaL_checkstack(L, argc - first + 3, "too many arguments to the script");
    for (i = first; i < argc; i++)
        lua_pushstring(L, argv[i]);
    return argc - first;
}

static int run_script(lua_State *L, int argc, char **argv, int script)
{
    const char *name = argv[script];
    int status, n;

    if (strcmp(name, "-") == 0 && script > 0 && strcmp(argv[script - 1], "--") != 0)
        name = NULL;   /* standard input */
    status = duo_host_loadfile(L, name, NULL);
    if (status != LUA_OK) {
        duo_host_report(L, status);
        return status;
    }
    n = push_script_args(L, argc, argv, script + 1);
    return duo_host_run(L, n, 0);
}

/* -w NAME: scripts/workflows/lib/runner.lua finds the workflow (bundled or
 * the user's), runs it and returns its exit status. */
static int run_workflow(lua_State *L, const char *name, int argc, char **argv, int first,
                        int *exit_status)
{
    int n, status;

    lua_getglobal(L, "require");
    lua_pushliteral(L, "workflows.lib.runner");
    if (duo_host_call(L, 1, 1) != LUA_OK)
        return LUA_ERRRUN;
    lua_getfield(L, -1, "run");
    lua_remove(L, -2);
    lua_pushstring(L, name);
    n = push_script_args(L, argc, argv, first);
    status = duo_host_run(L, n + 1, 1);
    if (status == LUA_OK) {
        *exit_status = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
        lua_pop(L, 1);
    }
    return status;
}

int main(int argc, char **argv)
{
    options o;
    duo_settings settings;
    lua_State *L;
    int rc, status = LUA_OK, exit_status = 0;

    if (platform_init(&argc, &argv) != 0) {
        fputs("duo-lua: out of memory\n", stderr);
        return 1;
    }
    rc = parse_options(&argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.version) {
        print_version();
        if (!o.script && !o.has_chunks && !o.interactive && !o.workflow)
            return 0;
    }
    L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "duo-lua: cannot create the Lua state: out of memory\n");
        return 1;
    }
    settings = settings_of(&o);
    open_libraries(L, &settings);
    create_arg_table(L, argc, argv, o.workflow ? o.script - 1 : o.script);
    duo_host_catch_sigint(L);

    /* --sandbox: the host's sandbox, started before anything runs (so a
     * bad seed is refused first); its environment is the one in force. */
    if (o.sandbox != NULL)
        status = start_sandbox(L, o.sandbox);
    if (status == LUA_OK)
        status = run_chunks(L, argc, argv, o.script ? o.script : argc);
    if (status == LUA_OK && o.workflow != NULL)
        status = run_workflow(L, o.workflow, argc, argv, o.script, &exit_status);
    else if (status == LUA_OK && o.script)
        status = run_script(L, argc, argv, o.script);
    if (status == LUA_OK
        && (o.interactive || (!o.script && !o.workflow && !o.has_chunks && !o.version))) {
        if (o.interactive || platform_isatty(0)) {
            duo_repl(L);
        } else {
            status = luaL_loadfile(L, NULL);
            if (status == LUA_OK)
                status = duo_host_run(L, 0, 0);
            else
                duo_host_report(L, status);
        }
    }
    lua_close(L);
    if (duo_host_interrupted() && status != LUA_OK)
        return EXIT_INTERRUPTED;
    if (status != LUA_OK && duo_host_usage_failed())
        return 2;   /* an unknown profile, an unusable config or input file */
    return status == LUA_OK ? exit_status : 1;
}
