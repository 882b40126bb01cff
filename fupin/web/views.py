from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from fupin.accounts import throttle
from fupin.accounts.choices import Action
from fupin.accounts.scoping import everywhere
from fupin.analytics import selectors as analytics_selectors
from fupin.areas import boundaries, selectors
from fupin.core import areacodes as codes
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.registry.masking import mask_id_number
from fupin.registry.selectors import member_search


class ThrottledLoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        address = request.META.get("REMOTE_ADDR", "")
        if throttle.is_locked(username, address):
            form = self.get_form()
            form.errors.clear()
            messages.error(request, _("Too many failed logins. Wait 15 minutes and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        # Failures and successes are counted by the authentication backend (fupin.accounts.throttle), for this
        # form and the admin's alike.
        return super().post(request, *args, **kwargs)


@login_required
def area_browse(request, code: str | None = None):
    area = None
    if code is not None:
        try:
            area = selectors.area_get(actor=request.user, code=code)
        except NotFound:
            raise Http404 from None
    ancestors = selectors.area_list(actor=request.user).filter(code__in=area.ancestor_codes) if area else []
    context = {
        "area": area,
        "ancestors": ancestors,
        "children": selectors.children_with_counts(actor=request.user, area=area),
        "villages": selectors.subtree_count(area, level=codes.Level.VILLAGE) if area else None,
        "designations": area.designations.select_related("designation_type") if area else [],
        "years": area.years.order_by("-year")[:10] if area else [],
    }
    template = "web/_area_children.html" if request.headers.get("HX-Request") else "web/areas.html"
    return render(request, template, context)


@login_required
def dashboard(request, code: str | None = None):
    """An area's statistics from the rollups, drilling down level by level (nationwide users start at the
    provinces, others at their own area)."""
    if code is None and not everywhere(request.user, Action.VIEW):
        roots = selectors.root_areas(actor=request.user)
        if len(roots) == 1:
            return redirect("web:dashboard-area", code=roots[0].code)
    year = request.GET.get("year", "")
    try:
        data = analytics_selectors.dashboard(actor=request.user, area_code=code,
                                             year=int(year) if year.isdigit() else None)
    except (NotFound, PermissionDenied, ValidationFailed, ObjectDoesNotExist):  # an unknown or malformed area
        raise Http404 from None  # code is not a page (a code of no loaded area, such as 999, is not found)
    charts = {
        "trend": [{"year": row["year"], "incidence": float(row["incidence"]) * 100 if row["incidence"] else None,
                   "poor": float(row["poor"] or 0), "exits": float(row["exits"] or 0)}
                  for row in data.get("trend", [])],
        "breakdowns": {by: [{"name": str(item["label"]), "value": float(item["persons"])} for item in items]
                       for by, items in data.get("breakdowns", {}).items()},
        "children": [{"code": child["code"], "name": child["name"], "incidence": float(child["incidence"]) * 100
                      if child["incidence"] is not None else None} for child in data.get("children", [])],
        "labels": {"incidence": str(_("Poverty incidence (%)")), "poor": str(_("Registered poor")),
                   "exits": str(_("Out of poverty"))},
    }
    ancestors = selectors.area_list(actor=request.user).filter(code__in=data["area"].ancestor_codes) \
        if data.get("area") else []
    return render(request, "web/dashboard.html", {**data, "charts": charts, "ancestors": ancestors,
                                                  "breakdown_titles": BREAKDOWN_TITLES})


@login_required
def area_map(request, code: str | None = None):
    """GeoJSON of the areas one level below `code` that the user may see, or of every province of the country
    without a code (the country's outline is reference data, drawn under the pairing flows whatever one's
    grant): the shapes the dashboard's and the cooperation page's maps draw. Maps stop at counties (villages have
    no boundaries)."""
    if code is None:
        # The whole country's base map, loaded divisions or not (the pairing flows run between provinces that a
        # deployment may not hold): every province-level code (11–82) the boundary file has a shape for.
        response = JsonResponse(boundaries.children_geojson([f"{prefix}0000000000" for prefix in range(11, 83)]))
        response["Cache-Control"] = "private, max-age=3600"
        return response
    try:
        area = selectors.area_get(actor=request.user, code=code)
    except (NotFound, PermissionDenied):
        raise Http404 from None
    children = selectors.area_list(actor=request.user).filter(parent=area, level__lte=codes.Level.COUNTY)
    response = JsonResponse(boundaries.children_geojson(list(children.order_by("code").values_list("code",
                                                                                                   flat=True))))
    response["Cache-Control"] = "private, max-age=3600"  # boundaries change with a new source, not by the hour
    return response


@login_required
def search(request):
    """Find people by ID number, household number, name in either script, pinyin or initials (the registry's
    search, scoped to the user's areas); each result links to its household's file. ID numbers are shown masked."""
    query = request.GET.get("q", "").strip()
    results = [{"member": member, "id_number": mask_id_number(member.id_number) if member.id_number else ""}
               for member in member_search(actor=request.user, query=query)] if query else []
    return render(request, "web/search.html", {"query": query, "results": results})


BREAKDOWN_TITLES = {"cause": _("By main cause"), "attribute": _("By household attribute"),
                    "ethnicity": _("By ethnic group"), "age_band": _("By age")}
