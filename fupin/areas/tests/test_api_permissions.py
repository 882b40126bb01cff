from fupin.areas.models import Area, AreaDesignation, AreaYear, DesignationType
from fupin.testing.permission_matrix import PermissionMatrix


class TestAreaEndpointPermissions(PermissionMatrix):
    basename = "area"
    model = Area
    lookup = "code"
    supports_create = False
    supports_delete = False

    def make_object(self, area_code):
        return Area.objects.get(code=area_code)

    def update_payload(self):
        return {"name": "鲁掌村村民委员会"}


class TestDesignationEndpointPermissions(PermissionMatrix):
    basename = "designation"
    model = AreaDesignation

    def make_object(self, area_code):
        return AreaDesignation.objects.create(
            area_id=area_code, designation_type=DesignationType.objects.get(code="poor_village"), year=2014
        )

    def create_payload(self, area_code):
        return {"area": area_code, "designation_type": "deep_poverty_village", "year": 2017}

    def update_payload(self):
        return {"exit_year": 2019}


class TestAreaYearEndpointPermissions(PermissionMatrix):
    basename = "area-year"
    model = AreaYear

    def make_object(self, area_code):
        return AreaYear.objects.create(area_id=area_code, year=2014, rural_population=1200, households=300)

    def create_payload(self, area_code):
        return {"area": area_code, "year": 2015, "rural_population": 1180, "households": 298}

    def update_payload(self):
        return {"rural_population": 1250}
