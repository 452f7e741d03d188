"""Mail in: parsing and classifying inbound messages (a feature package on the tickets layer).

`parse.parse_mail` turns raw RFC 5322 bytes into an `InboundMail` (clean text, the reply split
from its quotes, attachments); `classify.classify` tells a customer's mail from auto-replies,
bounces, list mail and our own mail, and finds the ticket reference in the subject. Both are
pure: no database, no app. The pipeline that files and threads tickets builds on them.
"""
from helpdesk.mail_in.classify import Classification, MailKind, classify
from helpdesk.mail_in.parse import Attachment, InboundMail, MailRejected, parse_mail

__all__ = ["Attachment", "Classification", "InboundMail", "MailKind", "MailRejected",
           "classify", "parse_mail"]
