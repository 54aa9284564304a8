"""One router per page group: account (login), queue, articles, admin (users, audit), api."""
