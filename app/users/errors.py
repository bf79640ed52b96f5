"""Domain errors of the users package (profile, addresses, the back office's user admin)."""

from __future__ import annotations

from app.errors import Conflict, NotFound


class AddressNotFound(NotFound):
    code, title = "address_not_found", "Address not found"


class UserNotFound(NotFound):
    code, title = "user_not_found", "User not found"


class LastAdmin(Conflict):
    code, title = "last_admin", "The last admin cannot lose the role"


class DefaultAddressRequired(Conflict):
    code, title = "default_address_required", "An address must stay the default"
