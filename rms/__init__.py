"""Pure-Python layer for Rakuten RMS (RakutenPay order API).

Nothing in this package imports Odoo: the client, the code tables, the order
parser and the import rules are tested without a database. The Odoo models
only turn the plain results into records and records into RMS calls.
"""
