"""Pages of mobilization, by feature: `board` (the board, orders, a person's own page and QR,
check-in, needs, the reported-in export), `staff` (an agency's staff and the staff import),
`teams` (forming, adjusting and confirming teams, the teams export) and `dispatch` (batches and
moves between communities). urls.py imports the modules."""
