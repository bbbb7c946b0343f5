"""Master-data pages: the hub, units, counters (QR, poster, token rotation) and employees; with
the roster and the user pages (their own modules), every master-data controller in CONTROLLERS."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from staff_admin.access import ADMIN, HR, UNIT_HEAD, Principal, require_role
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import Db, FormData, PortalDep, PrincipalDep
from staff_admin.kit.pages import redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.masterdata import counters, employees, units
from staff_admin.masterdata.accounts_routes import UsersController
from staff_admin.masterdata.roster_routes import RosterController


def _unit_form(
    request: Request, db: Db, principal: Principal, unit_id: int | None, failed: Invalid | None = None
) -> Template:
    form = units.unit_form(db, principal, unit_id)
    return staff_page(request, "masterdata/unit_form.html", principal, failed, form=form)


def _counter_form(
    request: Request, db: Db, principal: Principal, counter_id: int | None, failed: Invalid | None = None
) -> Template:
    form = counters.counter_form(db, principal, counter_id)
    return staff_page(request, "masterdata/counter_form.html", principal, failed, form=form)


def _employee_form(
    request: Request, db: Db, principal: Principal, employee_id: int | None, failed: Invalid | None = None
) -> Template:
    form = employees.employee_form(db, principal, employee_id)
    return staff_page(request, "masterdata/employee_form.html", principal, failed, form=form)


class MasterDataController(StaffArea):
    path = "/admin/master-data"

    @get("/", name="staff:masterdata", sync_to_thread=False)
    def hub(self, request: Request, principal: PrincipalDep) -> Template:
        require_role(principal, ADMIN, HR, UNIT_HEAD)
        return staff_page(request, "masterdata/hub.html", principal)


class UnitsController(StaffArea):
    path = "/admin/units"

    @get("/", name="staff:units", sync_to_thread=True)
    def units(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return staff_page(request, "masterdata/units.html", principal, rows=units.list_units(db, principal))

    @get("/new", name="staff:unit_new", sync_to_thread=True)
    def new(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return _unit_form(request, db, principal, None)

    @post("/new", name="staff:unit_create", sync_to_thread=True, status_code=303)
    def create(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            units.save_unit(db, principal, None, data, portal.clock())
        except Invalid as failed:
            return _unit_form(request, db, principal, None, failed)
        return redirect_to(request, "staff:units")

    @get("/{unit_id:int}/edit", name="staff:unit_edit", sync_to_thread=True)
    def edit(self, request: Request, unit_id: FromPath[int], db: Db, principal: PrincipalDep) -> Template:
        return _unit_form(request, db, principal, unit_id)

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
            return _unit_form(request, db, principal, unit_id, failed)
        return redirect_to(request, "staff:units")


class CountersController(StaffArea):
    path = "/admin/counters"

    @get("/", name="staff:counters", sync_to_thread=True)
    def counters(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        rows = counters.list_counters(db, principal)
        return staff_page(request, "masterdata/counters.html", principal, rows=rows)

    @get("/new", name="staff:counter_new", sync_to_thread=True)
    def new(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return _counter_form(request, db, principal, None)

    @post("/new", name="staff:counter_create", sync_to_thread=True, status_code=303)
    def create(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            counter_id = counters.save_counter(db, principal, None, data, portal.clock())
        except Invalid as failed:
            return _counter_form(request, db, principal, None, failed)
        return redirect_to(request, "staff:counter", counter_id=counter_id)

    @get("/{counter_id:int}", name="staff:counter", sync_to_thread=True)
    def counter(
        self, request: Request, counter_id: FromPath[int], db: Db, principal: PrincipalDep
    ) -> Template:
        return _counter_form(request, db, principal, counter_id)

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
            return _counter_form(request, db, principal, counter_id, failed)
        return redirect_to(request, "staff:counter", counter_id=counter_id)

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
            return _counter_form(request, db, principal, counter_id, failed)
        return redirect_to(request, "staff:counter", counter_id=counter_id)


class EmployeesController(StaffArea):
    path = "/admin/employees"

    @get("/", name="staff:employees", sync_to_thread=True)
    def employees(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        rows, editable = employees.list_employees(db, principal), employees.can_edit(principal)
        return staff_page(request, "masterdata/employees.html", principal, rows=rows, editable=editable)

    @get("/new", name="staff:employee_new", sync_to_thread=True)
    def new(self, request: Request, db: Db, principal: PrincipalDep) -> Template:
        return _employee_form(request, db, principal, None)

    @post("/new", name="staff:employee_create", sync_to_thread=True, status_code=303)
    def create(
        self, request: Request, data: FormData, db: Db, principal: PrincipalDep, portal: PortalDep
    ) -> Response:
        try:
            employees.save_employee(db, principal, None, data, portal.clock())
        except Invalid as failed:
            return _employee_form(request, db, principal, None, failed)
        return redirect_to(request, "staff:employees")

    @get("/{employee_id:int}", name="staff:employee", sync_to_thread=True)
    def employee(
        self, request: Request, employee_id: FromPath[int], db: Db, principal: PrincipalDep
    ) -> Template:
        return _employee_form(request, db, principal, employee_id)

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
            return _employee_form(request, db, principal, employee_id, failed)
        return redirect_to(request, "staff:employees")

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
        return redirect_to(request, "staff:employee", employee_id=employee_id)


CONTROLLERS = [MasterDataController, UnitsController, CountersController, EmployeesController,
               RosterController, UsersController]  # fmt: skip
