-- POST /api/v1/auth/login with the demo citizen's password (seed-demo): each
-- login verifies an Argon2id hash (libsodium, deliberately slow) on the
-- server's bounded hashing pool, then opens a session.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local body = '{"email":"jeanne.dupont@example.org","password":"Guichet-Demo-2026!"}'
local headers = { ["Content-Type"] = "application/json" }

function request()
  return wrk.format("POST", "/api/v1/auth/login", headers, body)
end
