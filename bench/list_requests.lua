-- GET /api/v1/requests?<filter>: a page of 50, newest first.
-- Usage: wrk ... -s list_requests.lua URL -- "category=open&team=voirie" [MAX_ID]
-- With MAX_ID, every request asks for a deep page: a cursor drawn uniformly in
-- the older half of the ids (1 .. MAX_ID/2), as a client following next_cursor
-- hundreds of pages down would send.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")


local path = nil
local deep_max = nil

function init(args)
  local filter = args[1] or error("list_requests.lua: pass the filter after --")
  path = "/api/v1/requests?" .. filter .. "&limit=50"
  if args[2] then deep_max = math.floor(tonumber(args[2]) / 2) end
  math.randomseed((thread_id or 0) * 7919 + os.time())
end

function request()
  if deep_max then
    return wrk.format("GET", path .. "&cursor=" .. math.random(1, deep_max))
  end
  return wrk.format("GET", path)
end
