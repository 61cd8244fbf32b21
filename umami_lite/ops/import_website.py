"""Which website an import goes into: the one --website names, or the one the file carries.

An export in JSON lines opens with its website (export.website_record), so that importing it
into another database recreates the website with the same uuid and every deployed tracker
snippet keeps working. A uuid that a website here holds is merged into only when --website
names it; one that a deleted website held is never given out again (sites.retire).
"""
from ..storage import sites, users
from . import retention
from .importer import ImportFailed


def owner_id(db, username=None):
    """Returns the user id of username, or of the first admin when username is None."""
    if username is not None:
        row = users.get_by_name(db, username)
        if row is None:
            raise ImportFailed(f"no user named {username!r}")
        return row["user_id"]
    row = db.execute("SELECT user_id FROM account WHERE is_admin = 1 ORDER BY user_id"
                     " LIMIT 1").fetchone()
    if row is None:
        raise ImportFailed("no admin account to own the website: pass --owner USERNAME")
    return row[0]


def refusal(db, website):
    """Returns why the website record cannot be created here, or None when it can."""
    uuid = website["website_uuid"]
    if sites.find(db, uuid) is not None:
        return (f"website {uuid} already exists here: pass --website {uuid} to merge "
                "the file into it")
    if sites.is_taken(db, "website_uuid", uuid):
        return (f"website {uuid} was deleted here, and a deleted website's uuid is never "
                "used again: pass --website ID to import into another website")
    return None


def create(db, website, username=None):
    """Returns (the new website row, notes) for a website record, inside the caller's write
    transaction; raises ImportFailed when refusal() names a reason. Its share id is kept
    unless a website here holds or held it: then it gets a new one, and a note says so."""
    reason = refusal(db, website)
    if reason:
        raise ImportFailed(reason)
    row = sites.create(db, owner_id(db, username), website["name"], website["domain"],
                       website_uuid=website["website_uuid"])
    notes = []
    wanted = website["share_id"]
    if wanted is not None:
        if sites.is_taken(db, "share_id", wanted):
            given = sites.update(db, row["website_id"], share=True)["share_id"]
            notes.append(f"share id {wanted} is taken here: the website's share id is {given}")
        else:
            sites.set_share_id(db, row["website_id"], wanted)
    if website["retention_days"] is not None:
        retention.set_days(db, row["website_id"], website["retention_days"])
    return sites.get(db, row["website_id"]), notes
