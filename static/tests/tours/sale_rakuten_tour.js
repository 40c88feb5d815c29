/** @odoo-module **/
/* Tours of tests/test_tour.py. Selectors name buttons, fields, menus and notebook pages (not
   the layout of the forms), so that a reworked channel form keeps them working. */

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

/** Steps that open the first order of the Rakuten orders list's group `groupLabel`. */
function openFirstOrderOfGroup(groupLabel) {
    return [
        {
            content: `the orders are grouped by slip status: open ${groupLabel}`,
            trigger: `.o_list_view .o_group_header:contains("${groupLabel}")`,
            run: "click",
        },
        {
            content: "open the first order of the group",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=name]",
            run: "click",
        },
    ];
}

// The main job: the channel answers, its orders come in, a 確認待ち order is checked.
registry.category("web_tour.tours").add("sale_rakuten_main_flow", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open Sales"),
        {
            content: "Sales > Configuration",
            trigger: 'button[data-menu-xmlid="sale.menu_sale_config"]',
            run: "click",
        },
        {
            content: "Sales Teams",
            trigger: 'a[data-menu-xmlid="sale.sales_team_config"]',
            run: "click",
        },
        {
            content: "open the Rakuten channel",
            trigger: '.o_list_view .o_data_row .o_data_cell[name=name]:contains("Rakuten Shop")',
            run: "click",
        },
        {
            content: "its Rakuten page",
            trigger: '.o_form_view .o_notebook a[name=rakuten]',
            run: "click",
        },
        {
            content: "Test Connection against the sandbox",
            trigger: ".o_form_view button[name=action_rakuten_test_connection]",
            run: "click",
        },
        {
            content: "RMS answered: the key's expiry date is shown",
            trigger: ".o_notification:has(.o_notification_bar.bg-success)",
        },
        {
            content: "Import Now",
            trigger: ".o_form_view button[name=action_rakuten_import_now]",
            run: "click",
        },
        {
            content: "the run's sync log counts the imported orders",
            trigger: ".o_form_view .o_field_widget[name=count_imported]:contains(3)",
        },
        {
            content: "Sales > Rakuten",
            trigger: 'button[data-menu-xmlid="sale_rakuten.menu_rakuten_root"]',
            run: "click",
        },
        {
            content: "Orders",
            trigger: 'a[data-menu-xmlid="sale_rakuten.menu_rakuten_orders"]',
            run: "click",
        },
        ...openFirstOrderOfGroup("To Confirm"),
        {
            content: "the banner says what to check",
            trigger: ".o_form_view .alert-warning .o_field_widget[name^=rakuten_confirm_reason]:contains(remarks)",
        },
        {
            content: "Checked (確認完了)",
            trigger: ".o_form_view button[name=action_rakuten_mark_checked]",
            run: "click",
        },
        {
            content: "the slip moved on: no banner, no Checked button",
            trigger:
                ".o_form_view:not(:has(button[name=action_rakuten_mark_checked])):not(:has(.o_field_widget[name^=rakuten_confirm_reason]))",
        },
    ],
});

// A Japanese reader opens an order that the scheduler (in English) imported: the banner must
// read in Japanese, whoever imported the order.
registry.category("web_tour.tours").add("sale_rakuten_banner_ja", {
    url: "/odoo/action-sale_rakuten.action_rakuten_orders",
    steps: () => [
        ...openFirstOrderOfGroup("確認待ち"),
        {
            content: "the 確認待ち banner has no English text",
            trigger: ".o_form_view .alert-warning:has(.o_field_widget[name^=rakuten_confirm_reason])",
            run() {
                const text = this.anchor.textContent.replace(/\s+/g, " ").trim();
                const english = text.match(/[A-Za-z]{3,}(?:[\s,.:;()'-]+[A-Za-z]+)*/g);
                if (english) {
                    throw new Error(
                        `English text in the order banner: ${english.join(" | ")} (banner: "${text}")`
                    );
                }
                if (!/[\u3040-\u30ff\u4e00-\u9fff]/.test(text)) {
                    throw new Error(`The order banner is not in Japanese: "${text}"`);
                }
            },
        },
    ],
});
