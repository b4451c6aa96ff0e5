"""How an audit event reads to whoever opens it: whether, never by whom (issue 8, item 3)."""

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.audit.scoping import ANOTHER_PARTNER, as_seen_by


def _event(actor, obj, partner):
    return audit.record(actor=actor, action=Action.UPDATE, verb="thing.changed", obj=obj, partner=partner,
                        changes={"status": ["a", "b"]}, note="typed by the actor")


def test_a_partner_reads_another_partners_person_as_another_partner(acme, globex, acme_rep, globex_admin):
    event = _event(acme_rep, globex, globex)
    (seen,) = as_seen_by([event], globex_admin)
    assert seen.shown_actor == ANOTHER_PARTNER
    assert seen.shown_changes == {} and seen.shown_note == ""


def test_a_partner_reads_its_colleagues_and_the_vendor_by_name(acme, acme_admin, acme_rep, channel_manager):
    own, vendor = _event(acme_rep, acme, acme), _event(channel_manager, acme, acme)
    seen_own, seen_vendor = as_seen_by([own, vendor], acme_admin)
    assert seen_own.shown_actor == acme_rep.display_name and seen_own.shown_note == "typed by the actor"
    assert seen_vendor.shown_actor == "Carl Manager (vendor)" and seen_vendor.shown_changes == {"status": ["a", "b"]}


def test_vendor_staff_read_every_event_as_recorded(acme, globex, acme_rep, vendor_admin):
    (seen,) = as_seen_by([_event(acme_rep, globex, globex)], vendor_admin)
    assert seen.shown_actor == acme_rep.display_name and seen.shown_note == "typed by the actor"


def test_system_events_read_as_recorded(acme, acme_admin):
    (seen,) = as_seen_by([_event("system", acme, acme)], acme_admin)
    assert seen.shown_actor == "The system"
