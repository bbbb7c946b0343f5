-- Simulated citizens for bench/submit_load.py: GET a counter's rating form, then POST a rating.
--
-- Each form GET is sent without a cookie, like a first scan of the QR code: the server issues the
-- device cookie (rp_device) with the form. response() takes that cookie, the form's action and its
-- form_token from the same answer and queues them; the next request() on this thread posts the rating
-- with that cookie. wrk gives no connection identity, so a form may be posted on another keep-alive
-- connection than the one that fetched it (a connection is transport, not a citizen).
--
-- args: stop_at (epoch seconds), networks (0: every citizen from 127.0.0.1; N: from one of N /24s, sent
-- as X-Forwarded-For) and the counter tokens. From stop_at on only forms are fetched, so
-- every POST has been answered when wrk stops: ratings stored can be compared with 303s exactly.

local stop_at, networks, paths = 0, 0, {}
local queue, head, tail = {}, 1, 0
local n = 0
-- per-thread tallies, read by done() through thread:get()
gets, posts, forms, see_other, see_other_in_window, other_200, bad_form = 0, 0, 0, 0, 0, 0, 0
statuses = {}

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  stop_at = tonumber(args[1])
  networks = tonumber(args[2])
  for i = 3, #args do
    paths[#paths + 1] = "/r/" .. args[i]
  end
  math.randomseed(os.time() * 1000 + id)
end

local form_headers = { ["Accept-Language"] = "id-ID,id;q=0.9" }

function request()
  if tail >= head and os.time() < stop_at then
    local item = queue[head]
    queue[head] = nil
    head = head + 1
    posts = posts + 1
    local body = "form_token=" .. item.form_token .. "&overall=" .. math.random(1, 4)
    if math.random() < 0.5 then -- half the citizens answer the nine questions too
      for u = 1, 9 do
        body = body .. "&u" .. u .. "=" .. math.random(1, 4)
      end
    end
    body = body .. "&comment=&website="
    local headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "rp_device=" .. item.cookie,
      ["Accept-Language"] = "id-ID,id;q=0.9",
    }
    if networks > 0 then -- the server believes 127.0.0.1 (TRUSTED_PROXIES): one of `networks` /24s
      local n = math.random(0, networks - 1)
      headers["X-Forwarded-For"] = "10." .. math.floor(n / 256) .. "." .. (n % 256) .. ".7"
    end
    return wrk.format("POST", item.path, headers, body)
  end
  n = n + 1
  gets = gets + 1
  return wrk.format("GET", paths[(n % #paths) + 1], form_headers)
end

local function header(headers, name)
  local value = headers[name] -- uvicorn sends lower-case names; any other case is looked for after
  if value then
    return value
  end
  for key, value in pairs(headers) do
    if string.lower(key) == name then
      return value
    end
  end
end

-- Plain finds (no pattern scan over the ~10 KB page) keep this generator's CPU off the server's cores.
local FORM, TOKEN = "<form ", 'name="form_token" value="'

local function form_fields(body)
  local form = string.find(body, FORM, 1, true)
  if not form then
    return nil
  end
  local at = string.find(body, TOKEN, form, true)
  local token = at and string.match(body, '^[^"]+', at + #TOKEN)
  return token, string.match(body, '^<form[^>]- action="([^"]+)"', form)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 303 then
    see_other = see_other + 1
    if os.time() < stop_at then
      see_other_in_window = see_other_in_window + 1
    end
  elseif status == 200 then
    local token, action = form_fields(body)
    if not token then
      other_200 = other_200 + 1 -- e.g. "already rated": never expected with the throttle off
      return
    end
    local cookie = string.match(header(headers, "set-cookie") or "", "rp_device=([^;]+)")
    if not (action and cookie) then
      bad_form = bad_form + 1
      return
    end
    forms = forms + 1
    tail = tail + 1
    queue[tail] = { path = action, form_token = token, cookie = cookie }
  end
end

function done(summary, latency, requests)
  local total = { gets = 0, posts = 0, forms = 0, see_other = 0, see_other_in_window = 0, other_200 = 0,
    bad_form = 0 }
  local by_status = {}
  for _, thread in ipairs(threads) do
    for key in pairs(total) do
      total[key] = total[key] + thread:get(key)
    end
    for status, count in pairs(thread:get("statuses")) do
      by_status[tostring(status)] = (by_status[tostring(status)] or 0) + count
    end
  end
  local parts = {}
  for key, value in pairs(total) do
    parts[#parts + 1] = string.format('"%s": %d', key, value)
  end
  local status_parts = {}
  for status, count in pairs(by_status) do
    status_parts[#status_parts + 1] = string.format('"%s": %d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {%s, "statuses": {%s}, "requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    table.concat(parts, ", "), table.concat(status_parts, ", "), summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
