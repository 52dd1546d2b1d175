-- Command-line options of the workflows.
--
--   local args = require "workflows.lib.args"
--   local opts, rest = args.parse({
--     name = "suggest-mappings",
--     help = "usage: ...",                  -- printed by --help / -h
--     options = {
--       companies = { value = "FILE", required = true },
--       ["min-score"] = { value = "X", number = true, min = 0, max = 1 },
--       ["use-domains"] = { flag = true },
--       account = { value = "NAME|ID", many = true },   -- repeatable: an array
--       format = args.format{ "table", "json", "csv" },
--     },
--     positionals = 0,                      -- how many plain arguments are allowed
--   }, { ... })
--   if opts == nil then return rest end     -- --help (0) or a usage error (2)
--   opts.min_score, opts.use_domains, ...   -- "-" becomes "_"
--
-- The host's options (--profile, --config, --dry-run, --sandbox) never
-- reach a workflow: duo-lua takes them out of its arguments wherever they
-- stand. A usage error prints one line naming the problem; parse then
-- returns nil and the exit status 2.
local termtext = require "duo.termtext"

local M = {}

M.EXIT_USAGE = 2

-- Prints "duo-lua: NAME: message (duo-lua -w NAME --help)"; returns 2.
function M.usage_error(name, fmt, ...)
  io.stdout:flush()
  io.stderr:write(termtext.format("duo-lua: %s: %s (duo-lua -w %s --help)\n", name,
                                string.format(fmt, ...), name))
  io.stderr:flush()
  return M.EXIT_USAGE
end

-- The common options of SPEC section 6, for a workflow's options table.
function M.format(choices, default)
  return { value = "FORMAT", choices = choices, default = default or choices[1] }
end
M.OUTPUT = { value = "FILE" }
M.YES = { flag = true }
M.ACCOUNT = { value = "NAME|ID", many = true }
M.EXCLUDE_ACCOUNT = { value = "NAME|ID", many = true }

-- --progress: status lines on stderr when it is not a terminal (on a
-- terminal the progress line is drawn anyway); progress_mode(opts) is the
-- duo.progress mode it asks for.
M.PROGRESS = { flag = true }
function M.progress_mode(opts)
  return opts.progress and "status" or "auto"
end

-- Adds the fan-out options to options: --account, --exclude-account and
-- the organization ones (--org, --tag, --exclude-org, --exclude-tag; SPEC
-- section 8: every workflow that takes --account takes them).
function M.with_fanout(options)
  options.account = M.ACCOUNT
  options["exclude-account"] = M.EXCLUDE_ACCOUNT
  options.org = { value = "NAME|ID", many = true }
  options.tag = { value = "TAG", many = true }
  options["exclude-org"] = { value = "NAME|ID", many = true }
  options["exclude-tag"] = { value = "TAG", many = true }
  return options
end

local function key(name)
  return (name:gsub("%-", "_"))
end

-- Returns the checked value, or nil and a message.
local function check_value(o, name, value)
  if o.choices then
    for _, c in ipairs(o.choices) do
      if c == value then return value end
    end
    return nil, string.format("--%s must be one of %s, got '%s'", name, table.concat(o.choices, ", "), value)
  end
  if o.number then
    local n = tonumber(value)
    if n == nil then return nil, string.format("--%s needs a number, got '%s'", name, value) end
    if (o.min and n < o.min) or (o.max and n > o.max) then
      return nil, string.format("--%s must be between %s and %s, got %s", name, tostring(o.min), tostring(o.max),
                                value)
    end
    return n
  end
  if value == "" and not o.empty_ok then
    return nil, string.format("--%s needs a non-empty value", name)
  end
  return value
end

-- Returns the options (by name with "_" for "-") and the positional
-- arguments; or nil and an exit status after --help or a usage error.
function M.parse(spec, argv)
  local cmd = spec.name
  local opts, rest = {}, {}
  local i, n = 1, #argv
  local only_positionals = false
  local function usage(fmt, ...)
    return nil, M.usage_error(cmd, fmt, ...)
  end
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
      return nil, 0
    else
      local name, value = a:match("^%-%-([^=]+)=(.*)$")
      if name == nil then name = a:match("^%-%-(.+)$") end
      local o = name and spec.options[name]
      if o == nil then return usage("unknown option '%s'", (a:match("^[^=]+"))) end
      if o.flag then
        if value ~= nil then return usage("--%s takes no value", name) end
        value = true
      elseif value == nil then
        i = i + 1
        value = argv[i]
        if value == nil then return usage("'%s' needs a value (%s)", a, o.value) end
      end
      if not o.flag then
        local err
        value, err = check_value(o, name, value)
        if value == nil then return usage("%s", err) end
      end
      if o.many then
        local list = opts[key(name)] or {}
        list[#list + 1] = value
        opts[key(name)] = list
      else
        opts[key(name)] = value
      end
    end
    i = i + 1
  end
  for name, o in pairs(spec.options) do
    if opts[key(name)] == nil then
      if o.required then return usage("--%s %s is required", name, o.value or "") end
      opts[key(name)] = o.many and {} or o.default
    end
  end
  local max = spec.positionals or 0
  if #rest > max then return usage("unexpected argument '%s'", rest[max + 1]) end
  return opts, rest
end

return M
