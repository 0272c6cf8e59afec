"""Texts of the dashboard's frame: navigation, sign-in, the store's states, settings, filters, common words, the audit trail, in English and 简体中文 (merged into custdash.i18n.TEXT)."""

from __future__ import annotations

APP: dict[str, dict[str, str]] = {
    # app and navigation
    "app.title": {"en": "Customer operations", "zh": "客户经营看板"},
    "page.overview": {"en": "Today", "zh": "今日概览"},
    "page.tiers": {"en": "Tiers", "zh": "客户分层"},
    "page.grades": {"en": "Grades", "zh": "客户分级"},
    "page.threshold": {"en": "Near threshold", "zh": "临界客户"},
    "page.dormant": {"en": "Dormant", "zh": "睡眠客户"},
    "page.alliance": {"en": "Alliance (cinema)", "zh": "异业联盟（观影）"},
    "page.honeymoon": {"en": "Honeymoon", "zh": "蜜月期"},
    # sidebar filters
    "filter.language": {"en": "Language", "zh": "语言"},
    "filter.branch": {"en": "Branch", "zh": "网点"},
    "filter.manager": {"en": "Manager", "zh": "客户经理"},
    "filter.as_of": {"en": "As of", "zh": "数据日期"},
    "filter.all_branches": {"en": "All branches", "zh": "全部网点"},
    "filter.all_managers": {"en": "All managers", "zh": "全部客户经理"},
    "filter.store": {"en": "Store: {source}, extract date {as_of}", "zh": "数据：{source}，提取日期 {as_of}"},
    "source.demo": {"en": "demo data", "zh": "演示数据"},
    "source.import": {"en": "bank extract", "zh": "银行数据"},
    # A link's parameters by what they mean, never their raw names (a notice is read by staff).
    "notice.bad_param": {
        "en": "The link's {param} value {value!r} is not valid here; showing the default instead.",
        "zh": "链接中的{param} {value!r} 无效，已改用默认值。",
    },
    "notice.as_of_range": {
        "en": "The as-of date {value} is outside the data ({lo} to {hi}); showing {hi}.",
        "zh": "数据日期 {value} 超出数据范围（{lo} 至 {hi}），已改为 {hi}。",
    },
    # store states
    "store.missing": {"en": "No data store yet.", "zh": "尚无数据库。"},
    "store.error": {"en": "The data store cannot be used.", "zh": "数据库无法使用。"},
    "store.fix": {"en": "To fix it, run:", "zh": "修复方法，运行："},
    "store.empty": {"en": "The data store is empty.", "zh": "数据库为空。"},
    "facts.stale": {
        "en": "The rules file changed since the data was loaded: figures are computed live, which is correct "
        "but slow on large stores. Rebuild the materialised facts with `python -m custdash refresh`.",
        "zh": "规则文件在数据加载后已修改：各视图改为实时计算（结果正确，但大数据量时较慢）。"
        "请运行 `python -m custdash refresh` 重建预计算数据。",
    },
    "store.generating": {
        "en": "First start: generating the demo store ({n:,} customers)…",
        "zh": "首次启动：正在生成演示数据（{n:,} 位客户）……",
    },
    "store.build_failed": {
        "en": "The demo store could not be generated (incident {incident} in the server log).",
        "zh": "演示数据生成失败（服务器日志中的事件编号 {incident}）。",
    },
    "store.gone": {
        "en": "The data store is missing, but a store was here (its users and audit file remains). "
        "No demo data is generated in its place.",
        "zh": "数据库缺失，但此处曾有数据库（其用户与审计文件仍在）。不会在此生成演示数据。",
    },
    "store.gone_fix": {
        "en": "Restore the store from a backup, or load the extract again: python -m custdash import DIR",
        "zh": "请从备份恢复数据库，或重新导入：python -m custdash import DIR",
    },
    "store.generated": {"en": "Demo store ready.", "zh": "演示数据已生成。"},
    "error.unexpected": {
        "en": "Something went wrong on the server; this page could not be shown. Please tell your "
        "administrator the incident number {incident}.",
        "zh": "服务器出现问题，本页面无法显示。请将事件编号 {incident} 告知管理员。",
    },
    "error.disk_full": {
        "en": "The server's disk is full, so the data cannot be read or written (incident {incident}). "
        "The store itself is intact: ask your administrator to free disk space.",
        "zh": "服务器磁盘已满，无法读写数据（事件编号 {incident}）。数据库本身完好：请管理员释放磁盘空间。",
    },
    "error.damaged": {
        "en": "The data store is damaged and cannot be read (incident {incident}). Ask your administrator "
        "to restore it from a backup or load the extract again.",
        "zh": "数据库已损坏，无法读取（事件编号 {incident}）。请管理员从备份恢复或重新导入数据。",
    },
    "error.busy": {
        "en": "The data store is busy (a load is finishing); please try again in a minute (incident {incident}).",
        "zh": "数据库繁忙（数据加载即将完成），请稍后重试（事件编号 {incident}）。",
    },
    "rules.error": {"en": "The rules file is invalid.", "zh": "规则文件无效。"},
    "setting.error": {"en": "A setting is invalid.", "zh": "配置项无效。"},
    # login
    "login.title": {"en": "Sign in", "zh": "登录"},
    "login.username": {"en": "User name", "zh": "用户名"},
    "login.password": {"en": "Password", "zh": "密码"},
    "login.submit": {"en": "Sign in", "zh": "登录"},
    "login.expired": {"en": "Your session expired; please sign in again.", "zh": "会话已超时，请重新登录。"},
    "login.demo": {"en": "Demo data: these demo accounts are available.", "zh": "演示数据：可使用以下演示账号。"},
    "login.failed": {
        "en": "Sign-in failed: check the user name and password, or try again in a few minutes.",
        "zh": "登录失败：请检查用户名和密码，或稍后再试。",
    },
    "login.role": {"en": "Role", "zh": "角色"},
    "login.scope": {"en": "Sees", "zh": "可见范围"},
    "login.demo_scope_admin": {"en": "all branches", "zh": "全部网点"},
    "login.demo_scope_head": {"en": "branch {branch}", "zh": "网点 {branch}"},
    "login.demo_scope_manager": {"en": "customers of {manager}", "zh": "{manager} 的客户"},
    "login.signed_in": {"en": "Signed in as {user} ({role})", "zh": "当前用户：{user}（{role}）"},
    "login.logout": {"en": "Sign out", "zh": "退出登录"},
    "login.denied": {"en": "These customers are outside what your role may see.", "zh": "这些客户不在您的权限范围内。"},
    "role.admin": {"en": "administrator", "zh": "管理员"},
    "role.head": {"en": "branch head", "zh": "网点负责人"},
    "role.manager": {"en": "customer manager", "zh": "客户经理"},
    "page.audit": {"en": "Audit", "zh": "审计日志"},
    "audit.caption": {"en": "Logins and exports, newest first.", "zh": "登录与导出记录，最新在前。"},
    "notice.forbidden": {
        "en": "The link asks for {param} {value!r}, which your role may not see; showing your own customers.",
        "zh": "链接请求的{param} {value!r} 超出您的权限，已显示您名下的客户。",
    },
    # common
    "common.empty": {"en": "Nobody matches these filters.", "zh": "当前筛选条件下没有客户。"},
    "common.showing": {
        "en": "Showing the first {shown:,} of {total:,} rows; the downloads hold all of them.",
        "zh": "显示前 {shown:,} 行，共 {total:,} 行；下载文件包含全部。",
    },
    "common.rows": {"en": "{n:,} customers", "zh": "{n:,} 位客户"},
    "common.download_csv": {"en": "Download CSV", "zh": "下载 CSV"},
    "common.download_xlsx": {"en": "Download Excel", "zh": "下载 Excel"},
    "common.vs_prev": {"en": "vs previous month", "zh": "较上月"},
    "common.open": {"en": "Open", "zh": "查看"},
    "common.working": {
        "en": "Working out the figures as of {date} from the data …",
        "zh": "正在根据数据计算 {date} 的数字……",
    },
    "event.login_ok": {"en": "signed in", "zh": "登录成功"},
    "event.login_failed": {"en": "sign-in failed", "zh": "登录失败"},
    "event.login_locked": {"en": "sign-in while locked", "zh": "锁定期间尝试登录"},
    "event.logout": {"en": "signed out", "zh": "退出登录"},
    "event.session_expired": {"en": "session expired", "zh": "会话超时"},
    "event.export": {"en": "export", "zh": "导出"},
    "event.export_refused": {"en": "export refused (session ended)", "zh": "导出被拒（会话已结束）"},
    "event.login_throttled": {"en": "sign-in refused (too many failures)", "zh": "登录被拒（失败次数过多）"},
    "event.demo_users_removed": {"en": "demo accounts removed", "zh": "演示账号已删除"},
    "unit.money": {"en": " (CNY)", "zh": "（元）"},
    "unit.percent": {"en": " (%)", "zh": "（%）"},
    "page.myday": {"en": "My day", "zh": "我的今日"},
    # working the lists (contacts.py)
    "page.outcomes": {"en": "Did it work", "zh": "经营回检"},
    "page.customer": {"en": "Customer", "zh": "客户360"},
    "source.extract": {"en": "extract", "zh": "行内数据"},
    "event.customer_view": {"en": "opened a customer", "zh": "查看客户"},
    "source.log": {"en": "logged", "zh": "手工记录"},
    # Added with issue #33 (staff-facing wording, notices, the sign-in page).
    "login.demo_gone": {
        "en": "This dashboard holds the bank's own data: the demo accounts (admin, head, manager with their "
        "published passwords) ended with its first import. Ask your administrator for an account.",
        "zh": "本看板已载入银行自己的数据：演示账号（admin、head、manager 及其公开密码）已在首次导入时删除。"
        "请向管理员申请账号。",
    },
    "login.unavailable": {
        "en": "Sign-in is not possible right now: the data store is busy or cannot be reached. Try again in a "
        "minute; if it goes on, tell your administrator.",
        "zh": "暂时无法登录：数据存储繁忙或无法连接。请一分钟后再试；如持续出现，请联系管理员。",
    },
    "login.not_your_page": {
        "en": "The page “{page}” is not open to your role; the navigation lists the pages that are.",
        "zh": "您的角色不能打开“{page}”页面；左侧导航列出了您可以使用的页面。",
    },
    "store.places_hidden": {
        "en": "(File and server names are shown to an administrator; incident {incident} in the server log.)",
        "zh": "（文件和服务器名称仅向管理员显示；服务器日志中的事件编号 {incident}。）",
    },
    "param.branch": {"en": "branch", "zh": "网点"},
    "param.manager": {"en": "manager", "zh": "客户经理"},
    "param.as_of": {"en": "as_of", "zh": "数据日期"},
    "param.lang": {"en": "lang", "zh": "语言"},
    "param.customer": {"en": "customer", "zh": "客户"},
    "filter.date_hint": {
        "en": "From {lo} to {hi}. A typed date applies on Enter or when you leave the field.",
        "zh": "可选 {lo} 至 {hi}。手动输入的日期在按回车或离开输入框后生效。",
    },
    "common.download_csv_help": {
        "en": 'For Excel: ids and phone numbers that are all digits are written as ="…" so that Excel keeps '
        "every digit (a leading zero too). For other programs use the Excel file or `custdash export` (plain CSV).",
        "zh": '供 Excel 使用：全为数字的编号和电话写作 ="…"，Excel 打开时保留每一位（含开头的 0）。'
        "其他程序请使用 Excel 文件或 `custdash export`（普通 CSV）。",
    },
    "unit.points": {"en": " (percentage points)", "zh": "（百分点）"},
    # the navigation's groups (views.PAGES)
    "nav.analysis": {"en": "Analysis", "zh": "经营分析"},
    "nav.lists": {"en": "Call lists", "zh": "名单"},
    "nav.work": {"en": "Working the lists", "zh": "名单经营"},
    "page.churn": {"en": "Churn warning", "zh": "流失预警"},
    "page.downgrade": {"en": "Downgrade risk", "zh": "保级预警"},
    "page.maturity": {"en": "Maturities", "zh": "到期承接"},
    "page.birthdays": {"en": "Birthdays", "zh": "关怀提醒"},
    "page.household": {"en": "Households", "zh": "家庭经营"},
}
