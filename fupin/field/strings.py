"""The field app's texts, translated on the server and handed to the page (the page works offline, so it cannot
ask for them later). `%(name)s` marks what the script fills in."""

from django.utils.translation import gettext_lazy as _

STRINGS = {
    "photo_unreadable": _("The photo cannot be read."),
    "gps_unavailable": _("No position: the entry is saved without one."),
    "gps_locating": _("Finding the position…"),
    "gps_found": _("Position found (± %(accuracy)s m)."),
    "position": _("Position"), "latitude": _("Latitude"), "longitude": _("Longitude"), "locate": _("Locate"),
    "queued_saved": _("Saved on the phone; it is sent when there is a connection."),
    "queued_count": _("%(count)s waiting to sync"),
    "synced": _("%(count)s entries synced."),
    "sync_failed": _("Sync failed; the entries stay on the phone and are sent later."),
    "log_in_again": _("Log in again to sync; the entries stay on the phone."),
    "data_failed": _("The households could not be loaded."),
    "loading": _("Loading…"),
    "no_data_offline": _("No households on this phone yet: open the app once with a connection."),
    "search": _("Name or household number"),
    "truncated": _("Only the first %(count)s households are on the phone."),
    "no_households": _("You have no households to record for."),
    "data_as_of": _("Households as of %(time)s"),
    "warning": _("warning"),
    "not_on_phone": _("This record is not on the phone."),
    "main_cause": _("main cause"),
    "record_visit": _("Record a visit"), "update_incomes": _("Update incomes"),
    "visit_by": _("visit by %(date)s"), "follow_up": _("Follow up"),
    "members": _("Members"), "age": _("%(age)s years"), "update": _("Update"), "plans": _("Plans"),
    "no_plan": _("No plan yet."), "last_visit": _("Last visit"), "never": _("never"),
    "income_per_head": _("Net income per head in %(year)s: %(amount)s yuan"),
    "photos": _("Photos"), "no_cadre": _("The household has no responsible cadre: a visit cannot be recorded."),
    "cadre": _("Cadre"), "date": _("Date"), "notes": _("Notes"), "save": _("Save"),
    "visit_to": _("Visit to %(name)s"),
    "no_membership": _("You serve in no work team in your villages today."),
    "check_in": _("Check in"), "team_member": _("Team member"), "check_in_of": _("Check-in: %(name)s"),
    "health": _("Health"), "labour": _("Ability to work"), "work_location": _("Work"),
    "school_status": _("Schooling"), "nothing_changed": _("Nothing was changed."),
    "member_of": _("Member update: %(name)s"), "year": _("Year"),
    "wage_income": _("Wage income"), "business_income": _("Business income"),
    "property_income": _("Property income"), "transfer_income": _("Transfer income"),
    "business_expense": _("Business expenses"), "net_income_per_capita": _("Net income per head"),
    "incomes_of": _("Incomes: %(name)s"),
    "risk_confirmed": _("Risk confirmed"), "risk_not_confirmed": _("Risk not confirmed"),
    "reason": _("Reason"), "follow_up_of": _("Follow-up: %(name)s"),
    "entries": _("Entries"), "no_entries": _("Nothing recorded on this phone."),
    "state_queued": _("waiting"), "state_applied": _("synced"), "state_refused": _("refused"),
    "state_conflict": _("conflict"),
    "far": _("%(distance)s m from the village: flagged"),
    "server_kept": _("The server has a newer value and kept it:"),
    "dismiss": _("Dismiss"), "online": _("online"), "offline": _("offline"),
    "status": _("Status"), "outcome": _("Outcome"), "completed_on": _("Done on"), "task": _("Task"),
    "read_at": _("Changed at"), "member": _("Member"), "household_version": _("Household version"),
}


def translated() -> dict[str, str]:
    return {key: str(text) for key, text in STRINGS.items()}
