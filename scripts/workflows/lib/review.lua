-- suggest-mappings --review (SPEC section 8): on a terminal, each company
-- the engine could not decide (review, or unmatched with a candidate) is
-- shown with its candidates, and a person decides: accept, pick another,
-- search the accounts by text, no Duo account, skip, quit. Every decision
-- is saved at once, under the store's lock, as a confirmed entry; so a
-- review can stop at any point and the next one starts with what is left.
local termtext = require "duo.termtext"
local mappings = require "duo.mappings"
local store_mod = require "workflows.lib.store"

local M = {}

M.SHOWN = 9   -- candidates or search results offered at once

local function say(fmt, ...)
  io.stderr:write(termtext.format(fmt, ...))
end

local function ask(prompt)
  io.stderr:write(prompt)
  io.stderr:flush()
  return io.stdin:read("l")
end

-- Saves one decision: company c gets account a (nil: it has no Duo
-- account). Returns nil, or why it was not saved (the account belongs to
-- another organization).
local function decide(store_path, c, a)
  local why
  store_mod.update(function(store)
    local e = mappings.find_company(store, c.id, c.name)
    if a then
      local owner = mappings.owner_of(store, a.account_id)
      if owner and owner ~= e then
        why = string.format("%s belongs to '%s' (mappings set --move moves it)", a.name, owner.name)
        return false
      end
    end
    if e == nil then
      e = mappings.add(store, { id = c.id, name = c.name, source = c.source or "csv" })
    end
    e.id = e.id or c.id
    e.duo_account_id = a and a.account_id or nil
    e.no_duo_account = (a == nil) or nil
    store_mod.confirm(e)
    return true
  end, store_path)
  return why
end

-- The accounts whose name holds text (any case), at most M.SHOWN.
local function search(accounts, text)
  local out, want = {}, text:lower()
  for _, a in ipairs(accounts) do
    if a.name:lower():find(want, 1, true) then
      out[#out + 1] = { account_id = a.account_id, name = a.name }
      if #out == M.SHOWN then break end
    end
  end
  return out
end

-- Walks the undecided suggestions; returns counts { decided, skipped } and
-- whether the person quit.
function M.run(suggestions, accounts, store_path, source_of)
  local todo = {}
  for _, s in ipairs(suggestions) do
    if s.status == "review" or (s.status == "unmatched" and #s.candidates > 0) then todo[#todo + 1] = s end
  end
  local counts = { decided = 0, skipped = 0 }
  say("suggest-mappings: %d companies to review; each decision is saved at once in %s\n", #todo, store_path)
  for n, s in ipairs(todo) do
    local company = { id = s.company_id, name = s.company, source = source_of[s.company_id or s.company] }
    local offered = {}
    for i, c in ipairs(s.candidates) do
      offered[i] = { account_id = c.duo_account_id, name = c.duo_account, score = c.score }
    end
    local done = false
    while not done do
      say("\n[%d/%d] %s%s (%s)\n", n, #todo, s.company, s.company_id and (" " .. s.company_id) or "", s.status)
      for i, c in ipairs(offered) do
        say("  %d  %s (%s)%s\n", i, c.name, c.account_id, c.score and string.format("  %.2f", c.score) or "")
      end
      local line = ask("accept 1, a number, /TEXT to search, n no Duo account, s skip, q quit > ")
      if line == nil then return counts, true end   -- end of input: stop, what was saved stays
      line = line:gsub("^%s+", ""):gsub("%s+$", "")
      local pick
      if line == "" or line == "a" then
        pick = offered[1]
      elseif line:match("^%d+$") then
        pick = offered[tonumber(line)]
        if pick == nil then say("no candidate %s\n", line) end
      elseif line:sub(1, 1) == "/" then
        offered = search(accounts, line:sub(2))
        if #offered == 0 then say("no account's name holds '%s'\n", line:sub(2)) end
      elseif line == "n" then
        decide(store_path, company, nil)
        say("saved: %s has no Duo account\n", s.company)
        counts.decided = counts.decided + 1
        done = true
      elseif line == "s" then
        counts.skipped = counts.skipped + 1
        done = true
      elseif line == "q" then
        return counts, true
      else
        say("answer 1, a number, /TEXT, n, s or q\n")
      end
      if pick then
        local why = decide(store_path, company, pick)
        if why then
          say("not saved: %s\n", why)
        else
          say("saved: %s -> %s (%s), confirmed\n", s.company, pick.name, pick.account_id)
          counts.decided = counts.decided + 1
          done = true
        end
      end
    end
  end
  return counts, false
end

return M
