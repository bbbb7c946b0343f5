"""Master-data pages: the hub, units, counters (QR, poster, token rotation) and employees; with
the roster and the user pages (their own modules), every master-data controller in CONTROLLERS."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from staff_admin.access import ADMIN, HR, UNIT_HEAD, require_role
from staff_admin.kit.area import StaffArea
from staff_admin.kit.deps import FormData, PrincipalDep, StaffDep
from staff_admin.kit.pages import form_page, redirect_to, staff_page
from staff_admin.kit.problems import Invalid
from staff_admin.masterdata import counters, employees, units
from staff_admin.masterdata.accounts_routes import OfficerAccountsController, UsersController
from staff_admin.masterdata.roster_routes import RosterController

UNIT_FORM = "masterdata/unit_form.html"
COUNTER_FORM = "masterdata/counter_form.html"
EMPLOYEE_FORM = "masterdata/employee_form.html"


class MasterDataController(StaffArea):
    path = "/admin/master-data"

    @get("/", name="staff:masterdata", sync_to_thread=False)
    def hub(self, request: Request, principal: PrincipalDep) -> Template:
        require_role(principal, ADMIN, HR, UNIT_HEAD)
        return staff_page(request, "masterdata/hub.html", principal)


class UnitsController(StaffArea):
    path = "/admin/units"

    @get("/", name="staff:units", sync_to_thread=True)
    def units(self, request: Request, staff: StaffDep) -> Template:
        rows = units.list_units(staff.db, staff.principal)
        return staff_page(request, "masterdata/units.html", staff.principal, rows=rows)

    @get("/new", name="staff:unit_new", sync_to_thread=True)
    def new(self, request: Request, staff: StaffDep) -> Template:
        return form_page(request, staff, UNIT_FORM, units.unit_form, None)

    @post("/new", name="staff:unit_create", sync_to_thread=True, status_code=303)
    def create(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        try:
            units.save_unit(staff.db, staff.principal, None, data, staff.now())
        except Invalid as failed:
            return form_page(request, staff, UNIT_FORM, units.unit_form, None, failed)
        return redirect_to(request, "staff:units")

    @get("/{unit_id:int}/edit", name="staff:unit_edit", sync_to_thread=True)
    def edit(self, request: Request, unit_id: FromPath[int], staff: StaffDep) -> Template:
        return form_page(request, staff, UNIT_FORM, units.unit_form, unit_id)

    @post("/{unit_id:int}/edit", name="staff:unit_update", sync_to_thread=True, status_code=303)
    def update(self, request: Request, unit_id: FromPath[int], data: FormData, staff: StaffDep) -> Response:
        try:
            units.save_unit(staff.db, staff.principal, unit_id, data, staff.now())
        except Invalid as failed:
            return form_page(request, staff, UNIT_FORM, units.unit_form, unit_id, failed)
        return redirect_to(request, "staff:units")


class CountersController(StaffArea):
    path = "/admin/counters"

    @get("/", name="staff:counters", sync_to_thread=True)
    def counters(self, request: Request, staff: StaffDep) -> Template:
        rows = counters.list_counters(staff.db, staff.principal)
        return staff_page(request, "masterdata/counters.html", staff.principal, rows=rows)

    @get("/new", name="staff:counter_new", sync_to_thread=True)
    def new(self, request: Request, staff: StaffDep) -> Template:
        return form_page(request, staff, COUNTER_FORM, counters.counter_form, None)

    @post("/new", name="staff:counter_create", sync_to_thread=True, status_code=303)
    def create(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        try:
            counter_id = counters.save_counter(staff.db, staff.principal, None, data, staff.now())
        except Invalid as failed:
            return form_page(request, staff, COUNTER_FORM, counters.counter_form, None, failed)
        return redirect_to(request, "staff:counter", counter_id=counter_id)

    @get("/{counter_id:int}", name="staff:counter", sync_to_thread=True)
    def counter(self, request: Request, counter_id: FromPath[int], staff: StaffDep) -> Template:
        return form_page(request, staff, COUNTER_FORM, counters.counter_form, counter_id)

    @post("/{counter_id:int}", name="staff:counter_update", sync_to_thread=True, status_code=303)
    def update(
        self, request: Request, counter_id: FromPath[int], data: FormData, staff: StaffDep
    ) -> Response:
        try:
            counters.save_counter(staff.db, staff.principal, counter_id, data, staff.now())
        except Invalid as failed:
            return form_page(request, staff, COUNTER_FORM, counters.counter_form, counter_id, failed)
        return redirect_to(request, "staff:counter", counter_id=counter_id)

    @post("/{counter_id:int}/rotate-token", name="staff:counter_rotate", sync_to_thread=True, status_code=303)
    def rotate(
        self, request: Request, counter_id: FromPath[int], data: FormData, staff: StaffDep
    ) -> Response:
        confirmed = data.get("confirm") == "yes"
        try:
            counters.rotate_token(staff.db, staff.principal, counter_id, confirmed, staff.now())
        except Invalid as failed:
            return form_page(request, staff, COUNTER_FORM, counters.counter_form, counter_id, failed)
        return redirect_to(request, "staff:counter", counter_id=counter_id)


class EmployeesController(StaffArea):
    path = "/admin/employees"

    @get("/", name="staff:employees", sync_to_thread=True)
    def employees(self, request: Request, staff: StaffDep) -> Template:
        rows = employees.list_employees(staff.db, staff.principal)
        editable = employees.can_edit(staff.principal)
        return staff_page(request, "masterdata/employees.html", staff.principal, rows=rows, editable=editable)

    @get("/new", name="staff:employee_new", sync_to_thread=True)
    def new(self, request: Request, staff: StaffDep) -> Template:
        return form_page(request, staff, EMPLOYEE_FORM, employees.employee_form, None)

    @post("/new", name="staff:employee_create", sync_to_thread=True, status_code=303)
    def create(self, request: Request, data: FormData, staff: StaffDep) -> Response:
        try:
            employees.save_employee(staff.db, staff.principal, None, data, staff.now())
        except Invalid as failed:
            return form_page(request, staff, EMPLOYEE_FORM, employees.employee_form, None, failed)
        return redirect_to(request, "staff:employees")

    @get("/{employee_id:int}", name="staff:employee", sync_to_thread=True)
    def employee(self, request: Request, employee_id: FromPath[int], staff: StaffDep) -> Template:
        return form_page(request, staff, EMPLOYEE_FORM, employees.employee_form, employee_id)

    @post("/{employee_id:int}", name="staff:employee_update", sync_to_thread=True, status_code=303)
    def update(
        self, request: Request, employee_id: FromPath[int], data: FormData, staff: StaffDep
    ) -> Response:
        try:
            employees.save_employee(staff.db, staff.principal, employee_id, data, staff.now())
        except Invalid as failed:
            return form_page(request, staff, EMPLOYEE_FORM, employees.employee_form, employee_id, failed)
        return redirect_to(request, "staff:employees")

    @post(
        "/{employee_id:int}/deactivate",
        name="staff:employee_deactivate",
        sync_to_thread=True,
        status_code=303,
    )
    def deactivate(self, request: Request, employee_id: FromPath[int], staff: StaffDep) -> Response:
        employees.deactivate_employee(staff.db, staff.principal, employee_id, staff.now())
        return redirect_to(request, "staff:employee", employee_id=employee_id)


CONTROLLERS = [MasterDataController, UnitsController, CountersController, EmployeesController,
               RosterController, UsersController, OfficerAccountsController]  # fmt: skip
