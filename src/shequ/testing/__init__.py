"""Mass testing (核酸检测): rounds, sampling sites and stations, pooled tubes, transfers to the
lab, results and recalls, home sampling and door-to-door work for the missed.

Layout, as in `places` and `residents`: `models`; `selectors` (reads, one `get_<model>_for`
per model fetched by id) and `snapshot` (the pages' figures and the station's offline data);
`services` and `labwork` (writes, one transaction and audit row each) and `ingest` (the swab
batch from devices); `forms`; `views/` (pages by feature) with their routes in `urls`; `api`
(/api/v1/testing); `importers` (results files), `exports` (Excel and PDF), `barcodes`,
`admin`, `demo`.
"""
