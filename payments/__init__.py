"""Money on the wire: payment references, IBAN/BIC, SEPA text, TARGET2 calendar, pain.001,
bank feedback (pain.002, camt.053/054).

A leaf package: it never imports ``ontzorging``, ``ledger`` or ``jobs``. Import from the
modules directly:

* ``payments.references`` — betalingskenmerk and RF creditor reference (``parse_reference``)
* ``payments.accounts`` — ``parse_iban``, ``parse_bic``, ``bic_for_iban``
* ``payments.text`` — transliteration to the EPC character set (``epc_text``, ``epc_id``)
* ``payments.calendar`` — TARGET2 business days, ``execution_date``
* ``payments.pain001`` — ``render_pain001``, ``split_transfers``
* ``payments.validate`` — ``validate_xsd``, ``check_epc_rules``, ``validate_payment_file``
* ``payments.pain001_reader`` — ``read_pain001`` for benefits payout files
* ``payments.bank_reader`` — ``read_bank_file`` (pain.002, camt.053, camt.054 by namespace);
  ``payments.pain002_reader``, ``payments.camt_reader`` for one kind; ``payments.bank_xml``
  the shared parsing, XSDs and limit
* ``payments.reason_codes`` — reject/return reasons in Dutch and English, ``is_account_problem``
* ``payments.files`` — ``write_atomically``, ``clean_temp_files``
* ``payments.errors`` — the exception tree under ``PaymentsError``
"""
