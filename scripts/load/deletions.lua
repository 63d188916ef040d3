-- wrk script: each request files a deletion for the next sample id, each thread in its own
-- stride, wrapping at ID_COUNT (repeats end as `no_data`, still a durable 202).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("first", #threads)
  table.insert(threads, thread)
end

function init(args)
  stride = tonumber(os.getenv("THREADS") or "2")
  id = first
  count = tonumber(os.getenv("ID_COUNT") or "60000")
  token = os.getenv("OUBLI_TOKEN") or "load"
end

function request()
  local body = string.format('{"sample_ids":[%d]}', id % count)
  id = id + stride
  return wrk.format("POST", "/v1/deletions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function done(summary, latency, requests)
  io.write(string.format("JSON {\"phase\":\"deletions\",\"requests\":%d,\"seconds\":%.3f,\"non_2xx\":%d,\"errors\":%d," ..
    "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
