-- Command-line options of the bundled workflows.
--
--   local args = require "duo.wf.args"
--   local opts, rest = args.parse({
--     name = "suggest-mappings",
--     help = "usage: ...",                  -- printed by --help / -h
--     options = {
--       companies = { value = "FILE", required = true },
--       ["min-score"] = { value = "X", number = true, min = 0, max = 1 },
--       ["use-domains"] = { flag = true },
--       format = { value = "FORMAT", choices = { "table", "json", "csv" }, default = "table" },
--     },
--     positionals = 0,                      -- how many plain arguments are allowed
--   }, { ... })
--   opts.min_score, opts.use_domains, ...   -- "-" becomes "_"
--
-- The host's own options are accepted after the workflow name too:
-- --profile/-p P, --config/-c F, --dry-run and --sandbox[=SEED] act as
-- they do before it. Usage errors print one line naming the problem and
-- exit with status 2.
local sys = require "duo._sys"

local M = {}

M.EXIT_USAGE = 2

-- Prints "duo-lua: NAME: message (duo-lua -w NAME --help)" and exits 2.
function M.usage_error(name, fmt, ...)
  io.stdout:flush()
  io.stderr:write(string.format("duo-lua: %s: %s (duo-lua -w %s --help)\n", name,
                                string.format(fmt, ...), name))
  io.stderr:flush()
  os.exit(M.EXIT_USAGE)
end

-- Host options, applied as if they had been given before -w.
local function host_option(name, value)
  local settings = sys.settings()
  if name == "profile" then
    settings.profile = value
  elseif name == "config" then
    settings.config = value
  elseif name == "dry-run" then
    settings.dry_run = true
  elseif name == "sandbox" then
    if settings.sandbox == nil then
      settings.sandbox = value or ""
      local duo = package.loaded.duo
      if duo then duo.sandbox(value) end   -- already loaded: start it now
    end
  end
end

local HOST_OPTIONS = {
  profile = { value = "P" }, p = { value = "P", alias = "profile" },
  config = { value = "FILE" }, c = { value = "FILE", alias = "config" },
  ["dry-run"] = { flag = true },
  sandbox = { optional_value = "SEED" },
}

local function key(name)
  return (name:gsub("%-", "_"))
end

local function check_value(spec, cmd, name, value)
  local o = spec.options[name]
  if o.choices then
    for _, c in ipairs(o.choices) do
      if c == value then return value end
    end
    M.usage_error(cmd, "--%s must be one of %s, got '%s'", name, table.concat(o.choices, ", "), value)
  end
  if o.number then
    local n = tonumber(value)
    if n == nil then M.usage_error(cmd, "--%s needs a number, got '%s'", name, value) end
    if (o.min and n < o.min) or (o.max and n > o.max) then
      M.usage_error(cmd, "--%s must be between %s and %s, got %s", name, tostring(o.min), tostring(o.max), value)
    end
    return n
  end
  if value == "" and not o.empty_ok then
    M.usage_error(cmd, "--%s needs a non-empty value", name)
  end
  return value
end

-- Returns the options (by name with "_" for "-") and the positional
-- arguments; exits on --help and on usage errors.
function M.parse(spec, argv)
  local cmd = spec.name
  local opts, rest = {}, {}
  local i, n = 1, #argv
  local only_positionals = false
  while i <= n do
    local a = argv[i]
    if only_positionals or a == "-" or a:sub(1, 1) ~= "-" then
      rest[#rest + 1] = a
    elseif a == "--" then
      only_positionals = true
    elseif a == "-h" or a == "--help" then
      io.stdout:write(spec.help)
      if spec.help:sub(-1) ~= "\n" then io.stdout:write("\n") end
      io.stdout:flush()
      os.exit(0)
    else
      local name, value = a:match("^%-%-?([^=]+)=(.*)$")
      if name == nil then name = a:match("^%-%-?(.+)$") end
      local o, host = spec.options[name], HOST_OPTIONS[name]
      if a:sub(2, 2) ~= "-" then   -- a short option: only -p and -c
        o = nil
        if host and not host.alias then host = nil end
      elseif host and host.alias then
        host = nil
      end
      if o == nil and host == nil then
        M.usage_error(cmd, "unknown option '%s'", (a:match("^[^=]+")))
      end
      local def = o or host
      if def.flag then
        if value ~= nil then M.usage_error(cmd, "--%s takes no value", name) end
        value = true
      elseif def.optional_value then
        value = value ~= "" and value or nil
      elseif value == nil then
        i = i + 1
        value = argv[i]
        if value == nil then M.usage_error(cmd, "'%s' needs a value (%s)", a, def.value) end
      end
      if o then
        opts[key(name)] = o.flag and true or check_value(spec, cmd, name, value)
      else
        host_option(host.alias or name, value)
      end
    end
    i = i + 1
  end
  for name, o in pairs(spec.options) do
    if opts[key(name)] == nil then
      if o.required then M.usage_error(cmd, "--%s %s is required", name, o.value or "") end
      opts[key(name)] = o.default
    end
  end
  local max = spec.positionals or 0
  if #rest > max then
    M.usage_error(cmd, "unexpected argument '%s'", rest[max + 1])
  end
  return opts, rest
end

return M
