-- The MSP's own look for a report (report --brand FILE, SPEC section 8): a
-- JSON object with "name" (the MSP's name), "logo" (an image file, its
-- path relative to the brand file's folder, or a data: URI) and "accent"
-- (a colour, #rgb or #rrggbb), each optional, others refused by name. The
-- logo is embedded as a data: URI so the page stays one self-contained
-- file; only PNG, JPEG, GIF, WebP and SVG images of at most 1 MiB.
--
--   local brand = require "workflows.lib.brand"
--   local b = brand.load("brand.json")   -- { name, logo = "data:image/png;base64,…", accent = "#1f6feb" }
local errors = require "duo.error"
local json = require "duo.json"
local paths = require "duo.path"
local host = require "workflows.lib.host"
local jsonfile = require "workflows.lib.jsonfile"

local M = {}

M.MAX_LOGO = 1024 * 1024
local KEYS = { name = true, logo = true, accent = true }
local TYPES = { png = "image/png", jpeg = "image/jpeg", gif = "image/gif", webp = "image/webp",
                ["svg+xml"] = "image/svg+xml" }

-- The image type of the bytes of a file, by their first bytes.
local function sniff(bytes)
  if bytes:sub(1, 8) == "\137PNG\r\n\26\n" then return "image/png" end
  if bytes:sub(1, 3) == "\255\216\255" then return "image/jpeg" end
  if bytes:sub(1, 6) == "GIF87a" or bytes:sub(1, 6) == "GIF89a" then return "image/gif" end
  if bytes:sub(1, 4) == "RIFF" and bytes:sub(9, 12) == "WEBP" then return "image/webp" end
  local head = bytes:sub(1, 1024):gsub("^\239\187\191", "")
  if head:match("^%s*<%?xml") or head:match("^%s*<svg[%s>]") or head:match("^%s*<!%-%-") then
    if bytes:find("<svg[%s>]") then return "image/svg+xml" end
  end
  return nil
end

local function logo_uri(path, value)
  local function bad(fmt, ...)
    errors.config("--brand %s: \"logo\" %s", path, string.format(fmt, ...))
  end
  if type(value) ~= "string" or value == "" then bad("must be an image file's path or a data: URI") end
  if value:sub(1, 5):lower() == "data:" then
    local mime, data = value:match("^[Dd][Aa][Tt][Aa]:image/([%w+.-]+);base64,([%w+/]+=?=?)$")
    if mime == nil or TYPES[mime:lower()] == nil then
      bad("must be a data: URI of a PNG, JPEG, GIF, WebP or SVG image in base64 (data:image/png;base64,...)")
    end
    if #data * 3 / 4 > M.MAX_LOGO then bad("is larger than 1 MiB") end
    return "data:" .. TYPES[mime:lower()] .. ";base64," .. data
  end
  local file = value
  if not paths.is_absolute(file) then file = paths.join(paths.dirname(path), file) end
  local f, err = io.open(file, "rb")
  if f == nil then bad("cannot be read: %s", err) end
  local bytes = f:read(M.MAX_LOGO + 1) or ""
  f:close()
  if #bytes > M.MAX_LOGO then bad("%s is larger than 1 MiB", value) end
  local mime = sniff(bytes)
  if mime == nil then bad("%s is not a PNG, JPEG, GIF, WebP or SVG image", value) end
  return "data:" .. mime .. ";base64," .. host.base64_encode(bytes)
end

function M.load(path)
  local doc = jsonfile.read(path, "--brand")
  if not jsonfile.is_object(doc) then
    errors.config("--brand %s is not a JSON object {\"name\", \"logo\", \"accent\"}", path)
  end
  local unknown = {}
  for k in pairs(doc) do
    if not KEYS[k] then unknown[#unknown + 1] = "'" .. tostring(k) .. "'" end
  end
  if #unknown > 0 then
    table.sort(unknown)
    errors.config("--brand %s: unknown key%s %s (known: name, logo, accent)", path, #unknown > 1 and "s" or "",
                  table.concat(unknown, ", "))
  end
  local b = {}
  if doc.name ~= nil then
    if type(doc.name) ~= "string" or doc.name:match("^%s*$") or #doc.name > 200 then
      errors.config("--brand %s: \"name\" must be a non-empty text of at most 200 bytes", path)
    end
    b.name = doc.name
  end
  if doc.accent ~= nil then
    if type(doc.accent) ~= "string" or not (doc.accent:match("^#%x%x%x$") or doc.accent:match("^#%x%x%x%x%x%x$")) then
      errors.config("--brand %s: \"accent\" must be a colour as #rgb or #rrggbb, got %s", path,
                    type(doc.accent) == "string" and ("'" .. doc.accent .. "'") or json.encode(doc.accent))
    end
    b.accent = doc.accent:lower()
  end
  if doc.logo ~= nil then b.logo = logo_uri(path, doc.logo) end
  return b
end

return M
