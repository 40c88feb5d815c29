"""What the staff read is in their language, whoever wrote it.

The jobs run as OdooBot; the texts they keep (sync-log lines and messages, pending orders, the
order banner, the channel's authentication error, the confirmation error, the basket's shipping
error) are stored as source and arguments and read back here in Japanese and in English: in
Japanese they hold the Japanese sentence and none of our English, in English none of our
Japanese (RMS's own text, buyers' and items' names excepted). Chatter cannot be rendered again
per reader: it is written in the shop's language. Tracked selection values (伝票ステータス...)
are shown in the reader's language.
"""

import re

from odoo.tests import tagged

from odoo.addons.sale_rakuten.models.crm_team import DEFAULT_CANCEL_REASON

from .common import RakutenCase

JA, EN = "ja_JP", "en_US"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
#: three English words in a row: a sentence of ours left untranslated
ENGLISH = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")


@tagged("post_install", "-at_install")
class TestI18nRender(RakutenCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(JA)
        cls.env["ir.module.module"]._load_module_terms(["sale_rakuten"], [JA])
        # A Japanese shop: its company speaks Japanese, so does the chatter of its jobs.
        cls.company.partner_id.lang = JA
        cls.team.rakuten_check_gift = True
        cls.yamato = cls._make_carrier("Yamato (Rakuten)", "1001")

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def read_in(self, record, fname):
        """``(Japanese, English)`` value of ``record.fname``, read as the web client does."""
        return tuple(
            record.with_context(lang=lang).read([fname])[0][fname] for lang in (JA, EN)
        )

    def assert_rendered(self, texts, ja, en, rms=()):
        """``texts`` = (Japanese, English): the Japanese holds ``ja`` and no English sentence,
        the English holds ``en`` and no Japanese except the texts of ``rms`` (RMS's own)."""
        text_ja, text_en = texts
        self.assertIn(ja, text_ja)
        self.assertIn(en, text_en)
        bare_ja = text_ja
        for own in rms:
            bare_ja = bare_ja.replace(own, "")
        self.assertFalse(
            ENGLISH.search(bare_ja), "English in the Japanese text: %r" % text_ja
        )
        bare_en = text_en
        for own in rms:
            bare_en = bare_en.replace(own, "")
        self.assertFalse(
            JAPANESE.search(bare_en), "Japanese in the English text: %r" % text_en
        )

    def notes(self, order):
        return "\n".join(str(m.body) for m in order.message_ids)

    # ------------------------------------------------------------------
    # Import: rules, checks, banner, chatter
    # ------------------------------------------------------------------
    def test_import_reasons_in_both_languages(self):
        remarks = self.add_order(progress=300, payment="cod", remarks="置き配希望")
        caution = self.add_order(progress=300, payment="cod", mix={"caution": 1.0})
        gift = self.add_order(progress=300, payment="cod", mix={"gift": 1.0})
        unmatched = self.add_order(progress=300, payment="cod")
        item = self.sandbox.orders[unmatched]["PackageModelList"][0]["ItemModelList"][0]
        item.update(
            itemName="幻の限定品",
            itemNumber="NO-SUCH-ITEM",
            manageNumber="no-such-item",
        )
        item["SkuModelList"][0].update(merchantDefinedSkuId="NO-SUCH-SKU", skuInfo="")
        plain = self.add_order(progress=300, payment="card")
        postage = self.add_order(progress=300, payment="card")
        self.sandbox.undetermine_postage(postage)
        selective = self.add_order(progress=100, payment="cod")
        club = self.add_order(mix={"order_type": {5: 1.0}})
        reserved = self.add_order(mix={"order_type": {6: 1.0}})
        drug = self.add_order(mix={"drug": 1.0})
        young = self.add_order(minutes_ago=10)

        log = self.import_orders()
        self.assertEqual(log.state, "done", log.message)

        # the order banner (確認待ち) and its chatter
        cases = [
            (remarks, "購入者の備考があります。", "The buyer wrote remarks.", ()),
            (caution, "楽天の注意喚起がある注文です", "Rakuten flags this order", ()),
            (
                gift,
                "ギフト注文です(ラッピング・のし・ギフト)。",
                "Gift order (wrapping, noshi or gift).",
                (),
            ),
            (
                unmatched,
                "どの商品にも一致しない注文商品があります: 幻の限定品。",
                "An item matches no product: 幻の限定品.",
                ("幻の限定品",),
            ),
        ]
        for number, ja, en, rms in cases:
            with self.subTest(number=number, reason=en):
                order = self.sale_order(number)
                self.assertEqual(order.rakuten_slip_state, "to_confirm")
                self.assert_rendered(
                    self.read_in(order, "rakuten_confirm_reasons"), ja, en, rms
                )
                # chatter: the shop speaks Japanese
                note = self.notes(order)
                self.assertIn("楽天の注文 %s から取り込みました" % number, note)
                self.assertIn("伝票ステータス: 確認待ち", note)
                self.assertIn(ja, note)
                self.assertNotIn(en, note)
                self.assertNotIn("To Confirm", note)

        # the sync log's lines and the pending orders
        cases = [
            (
                plain,
                "注文を取り込みました(300 発送待ち、楽天ペイ)。",
                "The order is imported (300 Awaiting shipment, RakutenPay).",
                (),
            ),
            (postage, "送料未確定の注文です。", "Postage is not determined yet", ()),
            (
                selective,
                "選択制決済(代金引換)の注文は",
                "Selective payment (代金引換) orders",
                ("代金引換",),
            ),
            (
                club,
                "頒布会の注文はAPIでは取り込みません。",
                "Distribution-club order",
                (),
            ),
            (
                reserved,
                "予約商品の注文です。",
                "Reservation order: importing reservation orders is off",
                (),
            ),
            (
                drug,
                "第一類医薬品を含む注文です。店舗の楽天設定で",
                "The order contains a first-class drug: importing",
                (),
            ),
            (
                young,
                "分経過していません。",
                "The order was placed less than 30 minutes ago",
                (),
            ),
        ]
        for number, ja, en, rms in cases:
            with self.subTest(number=number, reason=en):
                self.assert_rendered(
                    self.read_in(self.log_line(log, number), "reason"), ja, en, rms
                )
                if number != plain:
                    self.assert_rendered(
                        self.read_in(self.pending(number), "reason"), ja, en, rms
                    )
        # the status name inside a reason is rendered too
        text_ja, text_en = self.read_in(self.log_line(log, selective), "reason")
        self.assertIn("100 注文確認待ち", text_ja)
        self.assertIn("100 Awaiting order confirmation", text_en)

        # names of our lines: in the shop's language
        lines = self.env["sale.order.line"].search(
            [
                ("order_id.team_id", "=", self.team.id),
                ("rakuten_line_kind", "in", ("postage", "cod_fee")),
            ]
        )
        self.assertEqual(set(lines.mapped("rakuten_line_kind")), {"postage", "cod_fee"})
        self.assertEqual(set(lines.mapped("name")), {"送料", "代引手数料"})
        time_slots = (
            self.env["sale.order"]
            .search([("rakuten_delivery_time", "!=", False)])
            .mapped("rakuten_delivery_time")
        )
        self.assertFalse(
            [
                slot
                for slot in time_slots
                if ENGLISH.search(slot) or slot in ("Morning", "Afternoon")
            ]
        )

    def test_chatter_follows_the_shop_language(self):
        self.company.partner_id.lang = EN
        number = self.add_order(progress=300, payment="cod", remarks="置き配希望")
        self.assertEqual(self.import_orders().state, "done")
        order = self.sale_order(number)
        note = self.notes(order)
        self.assertIn("Imported from Rakuten order %s" % number, note)
        self.assertIn("Slip status: To Confirm", note)
        self.assertIn("The buyer wrote remarks.", note)
        self.assertFalse(JAPANESE.search(note), note)
        # whatever the chatter's language, the banner follows its reader
        self.assert_rendered(
            self.read_in(order, "rakuten_confirm_reasons"),
            "購入者の備考があります。",
            "The buyer wrote remarks.",
        )

    def test_shop_language(self):
        self.assertEqual(self.team._rakuten_lang(), JA)
        self.company.partner_id.lang = False
        self.team.user_id = self.env["res.users"].create(
            {"name": "店長", "login": "tencho", "lang": JA}
        )
        self.assertEqual(
            self.team._rakuten_lang(),
            JA,
            "the channel's users, when the company has none",
        )
        self.team.user_id.lang = EN
        self.assertEqual(self.team._rakuten_lang(), EN)

    # ------------------------------------------------------------------
    # Follow: tracked values, chatter, cancel reason
    # ------------------------------------------------------------------
    def test_tracked_slip_status_in_the_readers_language(self):
        number = self.add_order(progress=300, payment="card")
        self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(order.rakuten_slip_state, "waiting_payment")
        log = self.run_logged_job("follow")
        self.assertEqual(order.rakuten_slip_state, "ready", log.message)
        self.assert_rendered(
            self.read_in(self.log_line(log, number), "reason"),
            "楽天で決済が確定しました。",
            "Rakuten settled the payment.",
        )
        self.assertIn("楽天で決済が確定しました。", self.notes(order))

        trackings = order.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "rakuten_slip_state"
        )
        self.assertEqual(len(trackings), 1)
        # stored as the English source, whoever wrote it
        self.assertEqual(
            (trackings.old_value_char, trackings.new_value_char),
            ("Waiting for Payment", "Ready to Ship"),
        )
        for lang, old, new in (
            (JA, "入金待ち", "出荷待ち"),
            (EN, "Waiting for Payment", "Ready to Ship"),
        ):
            [shown] = trackings.with_context(lang=lang)._tracking_value_format()
            self.assertEqual(
                (shown["oldValue"]["value"], shown["newValue"]["value"]),
                (old, new),
                lang,
            )
        payment = order.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "rakuten_payment_state"
        )
        [shown] = payment.with_context(lang=JA)._tracking_value_format()
        self.assertFalse(ENGLISH.search(shown["newValue"]["value"] or ""), shown)

    def test_default_cancel_reason_in_the_readers_language(self):
        self.assertFalse(self.team.rakuten_cancel_reason)
        number = self.add_order(progress=300, payment="cod")
        self.import_orders()
        order = self.sale_order(number)
        self.sandbox.set_progress(number, 900)
        log = self.run_logged_job("follow")
        self.assertEqual(order.rakuten_slip_state, "cancel", log.message)
        self.assert_rendered(
            self.read_in(order, "rakuten_cancel_reason"),
            "RMSでキャンセル",
            "Cancelled in RMS",
        )
        self.assert_rendered(
            self.read_in(self.log_line(log, number), "reason"),
            "キャンセル: RMSでキャンセル",
            "Cancelled: Cancelled in RMS",
        )
        self.assertIn(
            "楽天でキャンセルされました(RMSステータス 900)。理由: RMSでキャンセル",
            self.notes(order),
        )

    def test_channel_reason_is_kept_as_written(self):
        self.team.with_context(lang=JA).rakuten_cancel_reason = "楽天側でキャンセル"
        self.team.with_context(lang=EN).rakuten_cancel_reason = "Cancelled by Rakuten"
        number = self.add_order(progress=300, payment="cod")
        self.import_orders()
        self.sandbox.set_progress(number, 900)
        self.run_logged_job("follow")
        # the shop's language, Japanese, is the one written on the order
        self.assertEqual(
            self.read_in(self.sale_order(number), "rakuten_cancel_reason"),
            ("楽天側でキャンセル",) * 2,
        )

    # ------------------------------------------------------------------
    # Confirmation and shipping report
    # ------------------------------------------------------------------
    def test_confirm_error(self):
        self.sandbox.confirm_moves_to = 200
        number = self.add_order(progress=100, payment="card", minutes_ago=45)
        self.import_orders()
        order = self.sale_order(number)
        self.assertEqual(order.rakuten_confirm_state, "todo")
        self.sandbox.set_progress(number, 900)
        log = self.run_logged_job("confirm")
        self.assertEqual(order.rakuten_confirm_state, "error", log.message)
        text_ja, text_en = self.read_in(order, "rakuten_confirm_error")
        rms = text_en[
            text_en.index("(") + 1 : text_en.rindex(")")
        ]  # RMS's code and message
        self.assertIn("ORDER_EXT_API_CONFIRM_ORDER_ERROR_102", rms)
        self.assert_rendered(
            (text_ja, text_en),
            "楽天側で既にキャンセルされた注文です(",
            "The order is already cancelled on Rakuten (",
            (rms,),
        )
        self.assertIn(rms, text_ja, "RMS's own text stays as RMS wrote it")
        self.assert_rendered(
            self.read_in(self.log_line(log, number), "reason"),
            "楽天側で既にキャンセルされた注文です",
            "The order is already cancelled on Rakuten",
            (rms,),
        )

    def test_shipping_report_states_and_errors(self):
        self.team.rakuten_auto_ship_report = True
        number = self.add_order(progress=300, payment="cod")
        self.import_orders()
        order = self.sale_order(number)
        picking = order.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing"
        )
        labels = {
            lang: dict(
                picking.with_context(lang=lang).fields_get(["rakuten_ship_state"])[
                    "rakuten_ship_state"
                ]["selection"]
            )
            for lang in (JA, EN)
        }
        self.assertEqual((labels[JA]["none"], labels[JA]["done"]), ("未出荷", "報告済"))
        self.assertEqual(
            (labels[EN]["none"], labels[EN]["done"]), ("Not Shipped", "Reported")
        )
        basket_labels = dict(
            order.rakuten_basket_ids.with_context(lang=JA).fields_get(["ship_state"])[
                "ship_state"
            ]["selection"]
        )
        self.assertEqual(basket_labels["error"], "拒否")

        picking.write({"carrier_id": self.yamato.id, "carrier_tracking_ref": "1" * 121})
        self.assertIs(picking.with_context(skip_sms=True).button_validate(), True)
        log = self.run_logged_job("carrier")
        basket = order.rakuten_basket_ids
        self.assertEqual(basket.ship_state, "error")
        self.assert_rendered(
            self.read_in(basket, "sync_error"),
            "お荷物伝票番号は最大120文字です。",
            "A tracking number has at most 120 characters.",
        )
        self.assert_rendered(
            self.read_in(picking, "rakuten_sync_error"),
            "お荷物伝票番号は最大120文字です。",
            "A tracking number has at most 120 characters.",
        )
        self.assert_rendered(
            self.read_in(self.log_line(log, number), "reason"),
            "送付先 %s の発送完了報告を送信できませんでした: お荷物伝票番号"
            % basket.basket_id,
            "Shipping report of basket %s not sent: A tracking number"
            % basket.basket_id,
        )

    # ------------------------------------------------------------------
    # RMS errors: sync log, channel banner, Test Connection
    # ------------------------------------------------------------------
    def test_rms_errors_in_the_readers_language(self):
        self.sandbox.expired_license = True
        log = self.import_orders()
        self.assertEqual(log.state, "failed")
        ja = "楽天RMSがライセンスキーを拒否しました(ES01-01)。"
        en = "Rakuten RMS rejected the license key (ES01-01)"
        self.assert_rendered(self.read_in(log, "message"), ja, en)
        self.assert_rendered(
            self.read_in(self.team.sudo(), "rakuten_auth_error"), ja, en
        )
        for lang, expected in ((JA, ja), (EN, en)):
            params = self.team.with_context(lang=lang).action_rakuten_test_connection()[
                "params"
            ]
            self.assertEqual(params["type"], "danger")
            self.assertIn(expected, params["message"])
        params = self.team.with_context(lang=JA).action_rakuten_test_connection()[
            "params"
        ]
        self.assertEqual(params["title"], "楽天との接続に失敗しました")
        self.assertFalse(ENGLISH.search(params["message"]), params["message"])

        self.sandbox.expired_license = False
        self.sandbox.api_disabled = True
        params = self.team.with_context(lang=JA).action_rakuten_test_connection()[
            "params"
        ]
        self.assertIn("WEB APIサービス > 利用機能編集", params["message"])
        params = self.team.with_context(lang=EN).action_rakuten_test_connection()[
            "params"
        ]
        self.assertIn("edit the functions of this key", params["message"])
        self.assertFalse(JAPANESE.search(params["message"]), params["message"])

    def test_rms_unavailable_ends_in_a_readable_log(self):
        self.sandbox.error_rate_5xx = 1.0
        with self.no_backoff():
            log = self.import_orders()
        self.assertEqual(log.state, "failed")
        self.assert_rendered(
            self.read_in(log, "message"),
            "楽天RMSが利用できないか、時間内に応答しませんでした",
            "Rakuten RMS is unavailable or did not answer in time",
        )

    def test_license_check_message(self):
        log = self.run_logged_job("license")
        self.assertEqual(log.state, "done", log.message)
        self.assert_rendered(
            self.read_in(log, "message"),
            "ライセンスキーの有効期限:",
            "License key valid until",
        )

    def test_plain_text_and_former_values_stay_readable(self):
        """RMS's own text is kept as written; writing a _lt(), a (template, args) pair or a list of
        them through the field keeps their parts."""
        log = self.env["rakuten.sync.log"].create(
            {"team_id": self.team.id, "kind": "import"}
        )
        log.message = "ERROR X: RMSの説明"
        self.assertEqual(self.read_in(log, "message"), ("ERROR X: RMSの説明",) * 2)
        log.message = DEFAULT_CANCEL_REASON
        self.assertEqual(
            self.read_in(log, "message"), ("RMSでキャンセル", "Cancelled in RMS")
        )
        # a (template, args) pair of rms/, and several lines
        log.message = [
            ("An item matches no product: %(items)s.", {"items": "幻の限定品"}),
            "RMSの説明",
        ]
        self.assertEqual(
            self.read_in(log, "message"),
            (
                "どの商品にも一致しない注文商品があります: 幻の限定品。\nRMSの説明",
                "An item matches no product: 幻の限定品.\nRMSの説明",
            ),
        )
        log.message = False
        self.assertFalse(log.message)
