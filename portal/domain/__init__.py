"""Pure domain code: no models, no queries, no settings read at import time. Everything above
(models, selectors, services, views) may import from here; nothing here imports them.

- `draw_algorithm`: the draw's commitment and winner picks (printed verbatim on the public
  verification page, so it imports only hashlib and hmac).
- `levels`: levels from lifetime points (settings validate `LEVELS` with `parse_levels`)."""
