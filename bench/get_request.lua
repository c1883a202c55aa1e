-- GET /api/v1/requests/{id} over ids drawn uniformly among the stored ones.
-- Usage: wrk ... -s get_request.lua URL -- MAX_ID
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")


local max_id = 1

function init(args)
  max_id = tonumber(args[1]) or error("get_request.lua: pass the highest id after --")
  math.randomseed((thread_id or 0) * 7919 + os.time())
end

function request()
  return wrk.format("GET", "/api/v1/requests/" .. math.random(1, max_id))
end
