"""The production shape of the site on one machine: haproxy in front of gunicorn (HTTP), daphne
(websockets) and job workers, over PostgreSQL and Redis. `deploy.topology.Topology` starts and
stops it for benchmarks and tests; `scripts/serve-prod` for people. README.md says how to spread
the same processes over several machines."""
