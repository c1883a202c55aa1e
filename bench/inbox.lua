-- GET <URL path>?<query>: the agents' inbox (/api/v1/inbox) or its counts
-- (/api/v1/inbox/counts), the same query every time.
-- Usage: wrk ... -s inbox.lua URL -- "team=voirie&sort=due&limit=50"
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local path = nil

function init(args)
  local filter = args[1] or error("inbox.lua: pass the filter after --")
  path = wrk.path .. "?" .. filter
end

function request()
  return wrk.format("GET", path)
end
