-- Deterministic randomness for the sandbox: a splitmix64 generator (Lua
-- integers wrap on overflow, which is what it needs) and Duo-shaped IDs.
-- The same seed number always gives the same tenant and the same new IDs.
local M = {}

local Rng = {}
Rng.__index = Rng

local ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
local HEX = "0123456789abcdef"
local KEYCHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

-- A string's bytes folded into an integer (FNV-1a), to derive seeds.
function M.hash(s)
  local h = -3750763034362895579   -- 0xcbf29ce484222325
  for i = 1, #s do
    h = (h ~ s:byte(i)) * 1099511628211
  end
  return h
end

function M.new(seed)
  if type(seed) == "string" then seed = M.hash(seed) end
  return setmetatable({ state = math.tointeger(seed) or 1 }, Rng)
end

-- The next 64 random bits, as a (possibly negative) integer.
function Rng:next()
  self.state = self.state + 0x9E3779B97F4A7C15
  local z = self.state
  z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
  z = (z ~ (z >> 27)) * 0x94D049BB133111EB
  return z ~ (z >> 31)
end

-- An integer in [lo, hi].
function Rng:int(lo, hi)
  return lo + (self:next() >> 1) % (hi - lo + 1)
end

-- A float in [0, 1).
function Rng:float()
  return (self:next() >> 11) / 9007199254740992.0
end

function Rng:chance(p)
  return self:float() < p
end

function Rng:pick(list)
  return list[self:int(1, #list)]
end

-- A child generator: independent of how much the parent draws later.
function Rng:fork(label)
  return M.new(self.state ~ M.hash(label))
end

function Rng:chars(n, alphabet)
  alphabet = alphabet or ALNUM
  local out = {}
  for i = 1, n do
    local k = self:int(1, #alphabet)
    out[i] = alphabet:sub(k, k)
  end
  return table.concat(out)
end

-- A Duo ID: two-letter prefix + 18 upper-case letters and digits.
function Rng:id(prefix)
  return prefix .. self:chars(18)
end

function Rng:hex(n)
  return self:chars(n, HEX)
end

-- A 40-character secret key.
function Rng:skey()
  return self:chars(40, KEYCHARS)
end

function Rng:hostname()
  return "api-" .. self:hex(8) .. ".duosecurity.com"
end

-- A UUID-shaped transaction ID.
function Rng:txid()
  local a, b, c = self:hex(8), self:hex(4), self:hex(3)
  local k = 9 + self:int(0, 3)   -- the variant digit: 8, 9, a or b
  return string.format("%s-%s-4%s-%s%s-%s", a, b, c, HEX:sub(k, k), self:hex(3), self:hex(12))
end

-- Prefixes of Duo's object IDs.
M.PREFIX = {
  account = "DA", user = "DU", group = "DG", phone = "DP", token = "DH", admin = "DE",
  integration = "DI", directory = "DD", bypass_code = "DB", u2ftoken = "DU", webauthn = "WA",
  desktoptoken = "DT", endpoint = "EP", registered_device = "DR", policy = "PO",
  activation = "DF", cache = "DC",
}

return M
