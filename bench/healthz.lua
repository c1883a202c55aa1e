-- GET /healthz: the server's floor (routing, HTTP, no database). wrk sends the
-- URL given on its command line; this script only adds the report line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
-- Bare, as a load balancer's probe: without the API key report.lua adds for
-- the other scripts (until 2026-11-30 it was sent here too, and the server
-- looked it up, which made this floor lower).
wrk.headers["Authorization"] = nil
