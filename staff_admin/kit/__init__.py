"""The shared kit of the staff pages: everything more than one staff sub-package uses, so that no
sub-package reaches into a sibling's internals (the arrows run sub-package -> kit -> staff_admin's
top modules (access, auth, audit, models) -> portal and scoring, never back).

- `area`: `StaffArea`, the base controller (CSRF, sign-in, the error pages), and `safe_next`.
- `deps`: the handler parameter types (`StaffDep`: session, principal and app; `PrincipalDep`,
  `FormData`, `Db`, `PortalDep`, the period and unit queries).
- `problems`: `Problem` and `Invalid`, what is wrong with a form or a file, for people to act on.
- `inputs`: what every staff form and import accepts: no control characters, dates and periods
  within the days the portal knows.
- `upload`: the imports' multipart form and their preview-then-apply round trip.
- `tables`: an uploaded CSV or XLSX read into rows of text, for the imports' checks.
- `exports`: formula neutralisation of the cells of every CSV/XLSX export.
- `notes`: the notes a decision needs (reviews, appeals, complaints) and `DecisionRefused`.
- `records`: one record found or 404, created or updated with its audit entry; all-or-nothing writes.
- `listing`: paging and local times for the lists.
- `pages`: rendering a staff page (with the problems of a refused form), redirects, form fields.
"""
