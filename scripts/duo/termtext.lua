-- Text bound for a terminal made inert (issue 24): names from clients'
-- directories, the PSA and servers may hold escape sequences that write
-- the clipboard, erase lines or reverse text. Every control byte (C0, DEL,
-- C1), bidi mark and byte that is not UTF-8 is shown as an escape (\x1b,
-- \u202e, \xff) instead of being sent; core/termtext.h has the list.
-- Tables, plans, prompts, messages and the REPL's printer use it; JSON,
-- JSONL and CSV output do not (they carry the bytes as their format says).
--
--   termtext.text(s)            -- a message: its newlines and tabs kept
--   termtext.cell(s)            -- a table cell or plan line: one line
--   termtext.format(fmt, ...)   -- string.format, each string argument a cell
local C = require "duo._termtext"

local M = {}

function M.text(s)
  return C.clean(s, "text")
end

function M.cell(s)
  return C.clean(s, "cell")
end

-- For the inside of a Lua string literal: code points as \u{202e}.
function M.lua(s)
  return C.clean(s, "lua")
end

function M.format(fmt, ...)
  local n = select("#", ...)
  local a = { ... }
  for i = 1, n do
    if type(a[i]) == "string" then a[i] = C.clean(a[i], "cell") end
  end
  return string.format(fmt, table.unpack(a, 1, n))
end

-- A directory key (or another secret-ish value) as tables show it:
-- "DD…WXYZ", "••••" when 8 bytes or fewer.
M.mask = C.mask

-- A request path with the directory key after "directorysync" masked.
M.mask_path = C.mask_path

return M
