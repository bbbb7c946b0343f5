"""Master-data pages: the hub, units, counters (QR, poster, token rotation) and employees."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.kernel.web import render
from staff_admin.access import ADMIN, HR, UNIT_HEAD, require_role
from staff_admin.masterdata import counters, employees, units
from staff_admin.masterdata.problems import Invalid
from staff_admin.routes import Db, FormData, PortalDep, PrincipalDep, StaffArea


def page(
    request: Request,
    template: str,
    principal: Any,
    failed: Invalid | None = None,
    status_code: int = 422,
    **context: Any,
) -> Template:
    """A master-data page; after a refused form it shows the problems and the values typed (422,
    or `status_code`: 400 for a page's refused query)."""
    context = {"principal": principal, "problems": failed.problems if failed else [], **context}
    if "form" in context:
        context["values"] = {**context["form"].values, **(failed.values if failed else {})}
    status = status_code if failed else 200
    return render(request, f"staff_admin/masterdata/{template}", context, status_code=status)


def back(request: Request, name: str, **params: Any) -> Redirect:
    return Redirect(request.app.route_reverse(name, **params), status_code=303)


class MasterDataController(StaffArea):
    path = "/admin/master-data"

    @get("/", name="staff:masterdata", sync_to_thread=False)
    def hub(self, request: Request, principal: PrincipalDep) -> Template:
        require_role(principal, ADMIN, HR, UNIT_HEAD)
        return page(request, "hub.html", principal)


class UnitsController(StaffArea):
    path = "/admin/units"

    @get("/", name="staff:units", sync_to_thread=True)
    def units(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return page(request, "units.html", principal, rows=units.list_units(db, principal))

    @get("/new", name="staff:unit_new", sync_to_thread=True)
    def new(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return page(request, "unit_form.html", principal, form=units.unit_form(db, principal, None))

    @post("/new", name="staff:unit_create", sync_to_thread=True, status_code=303)
    def create(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            units.save_unit(db, principal, None, data, portal.clock())
        except Invalid as failed:
            return page(
                request, "unit_form.html", principal, failed, form=units.unit_form(db, principal, None)
            )
        return back(request, "staff:units")

    @get("/{unit_id:int}/edit", name="staff:unit_edit", sync_to_thread=True)
    def edit(self, request: Request, unit_id: FromPath[int], db: Db, principal: PrincipalDep) -> Template:
        return page(request, "unit_form.html", principal, form=units.unit_form(db, principal, unit_id))

    @post("/{unit_id:int}/edit", name="staff:unit_update", sync_to_thread=True, status_code=303)
    def update(
        self,
        request: Request,
        unit_id: FromPath[int],
        data: FormData,
        db: Db,
        principal: PrincipalDep,
        portal: PortalDep,
    ) -> Response:
        try:
            units.save_unit(db, principal, unit_id, data, portal.clock())
        except Invalid as failed:
            return page(
                request, "unit_form.html", principal, failed, form=units.unit_form(db, principal, unit_id)
            )
        return back(request, "staff:units")


class CountersController(StaffArea):
    path = "/admin/counters"

    @get("/", name="staff:counters", sync_to_thread=True)
    def counters(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return page(request, "counters.html", principal, rows=counters.list_counters(db, principal))

    @get("/new", name="staff:counter_new", sync_to_thread=True)
    def new(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return page(request, "counter_form.html", principal, form=counters.counter_form(db, principal, None))

    @post("/new", name="staff:counter_create", sync_to_thread=True, status_code=303)
    def create(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            counter_id = counters.save_counter(db, principal, None, data, portal.clock())
        except Invalid as failed:
            form = counters.counter_form(db, principal, None)
            return page(request, "counter_form.html", principal, failed, form=form)
        return back(request, "staff:counter", counter_id=counter_id)

    @get("/{counter_id:int}", name="staff:counter", sync_to_thread=True)
    def counter(
        self, request: Request, counter_id: FromPath[int], db: Db, principal: PrincipalDep
    ) -> Template:
        return page(
            request, "counter_form.html", principal, form=counters.counter_form(db, principal, counter_id)
        )

    @post("/{counter_id:int}", name="staff:counter_update", sync_to_thread=True, status_code=303)
    def update(
        self,
        request: Request,
        counter_id: FromPath[int],
        data: FormData,
        db: Db,
        principal: PrincipalDep,
        portal: PortalDep,
    ) -> Response:
        try:
            counters.save_counter(db, principal, counter_id, data, portal.clock())
        except Invalid as failed:
            form = counters.counter_form(db, principal, counter_id)
            return page(request, "counter_form.html", principal, failed, form=form)
        return back(request, "staff:counter", counter_id=counter_id)

    @post("/{counter_id:int}/rotate-token", name="staff:counter_rotate", sync_to_thread=True, status_code=303)
    def rotate(
        self,
        request: Request,
        counter_id: FromPath[int],
        data: FormData,
        db: Db,
        principal: PrincipalDep,
        portal: PortalDep,
    ) -> Response:
        try:
            counters.rotate_token(db, principal, counter_id, data.get("confirm") == "yes", portal.clock())
        except Invalid as failed:
            form = counters.counter_form(db, principal, counter_id)
            return page(request, "counter_form.html", principal, failed, form=form)
        return back(request, "staff:counter", counter_id=counter_id)


class EmployeesController(StaffArea):
    path = "/admin/employees"

    @get("/", name="staff:employees", sync_to_thread=True)
    def employees(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        rows = employees.list_employees(db, principal)
        return page(request, "employees.html", principal, rows=rows, editable=employees.can_edit(principal))

    @get("/new", name="staff:employee_new", sync_to_thread=True)
    def new(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return page(
            request, "employee_form.html", principal, form=employees.employee_form(db, principal, None)
        )

    @post("/new", name="staff:employee_create", sync_to_thread=True, status_code=303)
    def create(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            employees.save_employee(db, principal, None, data, portal.clock())
        except Invalid as failed:
            form = employees.employee_form(db, principal, None)
            return page(request, "employee_form.html", principal, failed, form=form)
        return back(request, "staff:employees")

    @get("/{employee_id:int}", name="staff:employee", sync_to_thread=True)
    def employee(
        self, request: Request, employee_id: FromPath[int], db: Db, principal: PrincipalDep
    ) -> Template:
        form = employees.employee_form(db, principal, employee_id)
        return page(request, "employee_form.html", principal, form=form)

    @post("/{employee_id:int}", name="staff:employee_update", sync_to_thread=True, status_code=303)
    def update(
        self,
        request: Request,
        employee_id: FromPath[int],
        data: FormData,
        db: Db,
        principal: PrincipalDep,
        portal: PortalDep,
    ) -> Response:
        try:
            employees.save_employee(db, principal, employee_id, data, portal.clock())
        except Invalid as failed:
            form = employees.employee_form(db, principal, employee_id)
            return page(request, "employee_form.html", principal, failed, form=form)
        return back(request, "staff:employees")

    @post(
        "/{employee_id:int}/deactivate",
        name="staff:employee_deactivate",
        sync_to_thread=True,
        status_code=303,
    )
    def deactivate(
        self, request: Request, employee_id: FromPath[int], db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        employees.deactivate_employee(db, principal, employee_id, portal.clock())
        return back(request, "staff:employee", employee_id=employee_id)


def _controllers() -> list[type[StaffArea]]:
    from staff_admin.masterdata.accounts_routes import UsersController
    from staff_admin.masterdata.roster_routes import RosterController

    return [MasterDataController, UnitsController, CountersController, EmployeesController, RosterController,
            UsersController]  # fmt: skip


CONTROLLERS = _controllers()
