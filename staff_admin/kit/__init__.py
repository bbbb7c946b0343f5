"""The shared kit of the staff pages: everything more than one staff sub-package uses, so that no
sub-package reaches into a sibling's internals (the arrows run sub-package -> kit -> staff_admin's
top modules (access, auth, audit, models) -> portal and scoring, never back).

- `area`: `StaffArea`, the base controller (CSRF, sign-in, the error pages), and `safe_next`.
- `deps`: the handler parameter types (`Db`, `PortalDep`, `PrincipalDep`, `FormData`, queries).
- `problems`: `Problem` and `Invalid`, what is wrong with a form or a file, for people to act on.
- `upload`: reading an uploaded CSV/XLSX, and the preview-then-apply round trip of the imports.
- `exports`: formula neutralisation of the cells of every CSV/XLSX export.
- `notes`: the notes a decision needs (reviews, appeals, complaints) and `DecisionRefused`.
- `writes`: all-or-nothing writes, and a create-or-update recorded in the audit log.
- `listing`: paging and local times for the lists.
- `pages`: rendering a staff page (with the problems of a refused form), redirects, form fields.
"""
