"""Small helpers shared by several adapters: header lookup, HMAC checks, time parsing and the
mapping of HTTP failures to the typed channel errors. Nothing here knows a platform."""
