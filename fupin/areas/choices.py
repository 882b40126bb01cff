from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.areacodes import Level


class AreaLevel(models.IntegerChoices):
    PROVINCE = Level.PROVINCE, _("province")
    PREFECTURE = Level.PREFECTURE, _("prefecture")
    COUNTY = Level.COUNTY, _("county")
    TOWNSHIP = Level.TOWNSHIP, _("township")
    VILLAGE = Level.VILLAGE, _("village")


class RegionClass(models.TextChoices):
    EAST = "east", _("east")
    CENTRAL = "central", _("central")
    WEST = "west", _("west")
