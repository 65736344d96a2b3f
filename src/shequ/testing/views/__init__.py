"""Pages under /testing/, one module per feature; `testing/urls.py` holds their routes.

- `rounds`: the rounds and sites list, a new round or site, a round's dashboard (coverage with
  drill-down, tubes, turnaround, recalls), finishing it, recall lists and the summary PDF.
- `missed`: missed lists with door-to-door outcomes, home-sampling requests, routes and the
  swab of a home visit.
- `station`: the offline sampling station page, its snapshot and service worker.
- `transfers`: packing closed tubes for the lab (交接单).
- `lab`: receiving transfers, a result per tube, and the results import.

Reading needs VIEW_TESTING over the place (rounds and places outside it are 404); writing
goes through `services` / `ingest`, which check RUN_TESTING or RECORD_RESULTS (403). The
station page is for whoever may sample at the site (`selectors.sampling_sites`), and the lab
pages for RECORD_RESULTS. Every object named by id is fetched by a `selectors.get_*_for`.
"""
