"""The main window: one tab per part of the product that works, a status bar, the menus."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMainWindow, QMessageBox, QTabWidget

from kyodo_desk import __version__
from kyodo_desk.config import current_database_settings
from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import ROLE_LABELS, Action, Actor, Resource, Role
from kyodo_desk.services.consultations.listing import FollowUpCounts
from kyodo_desk.ui.account_watch import belongs_to, revocations
from kyodo_desk.ui.admin.accounts_tab import AccountsTab
from kyodo_desk.ui.admin.audit_tab import AuditTab
from kyodo_desk.ui.consultations.tab import ConsultationsTab
from kyodo_desk.ui.contacts.tab import ContactsTab
from kyodo_desk.ui.drafted_form import DraftedForm
from kyodo_desk.ui.events.tab import EventsTab
from kyodo_desk.ui.gc_guard import freeze_the_started_app
from kyodo_desk.ui.grants.tab import GrantsTab
from kyodo_desk.ui.help_window import HelpOpener
from kyodo_desk.ui.leaflets_tab import LeafletsTab
from kyodo_desk.ui.live import LiveUpdates
from kyodo_desk.ui.operations import data_changes, show_failure
from kyodo_desk.ui.plans.tab import PlansTab
from kyodo_desk.ui.settings_dialog import DatabaseSettingsDialog
from kyodo_desk.ui.sign_in import ChangePasswordDialog
from kyodo_desk.ui.widgets import fit_to_screen

if TYPE_CHECKING:  # the merge screen's module loads when the duplicates list first opens
    from kyodo_desk.ui.contacts.merge_dialog import DoneMerge

STATUS_MESSAGE_MS = 8000
CONSULTATIONS_TITLE = "相談記録"


class MainWindow(QMainWindow):
    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__()
        self.db = db
        self.actor = actor
        self.setWindowTitle("協働デスク")
        fit_to_screen(self, 1280, 780)
        self.signed_out = False  # the account lost its rights: back to the sign-in
        self.duplicates_window: QDialog | None = None
        self._merge_to_undo: DoneMerge | None = None  # 元に戻す takes this merge back
        self._hears_merges = False
        revocations().revoked.connect(self._sign_out)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.contacts = ContactsTab(db, actor)
        self.tabs.addTab(self.contacts, "センター連絡先")
        self.consultations: ConsultationsTab | None = None
        if actor.may_count(Resource.CONSULTATIONS):
            self.consultations = ConsultationsTab(db, actor)
            self.tabs.addTab(self.consultations, CONSULTATIONS_TITLE)
            self.consultations.follow_ups_changed.connect(self._show_follow_ups)
        self.events: EventsTab | None = None
        if actor.may(Action.READ, Resource.EVENTS):
            self.events = EventsTab(db, actor)
            self.tabs.addTab(self.events, "イベント")
        self.grants: GrantsTab | None = None
        if actor.may(Action.READ, Resource.GRANT_CASES):
            self.grants = GrantsTab(db, actor)
            self.tabs.addTab(self.grants, "交付金")
        self.plans: PlansTab | None = None
        if actor.may(Action.READ, Resource.PLANS):
            self.plans = PlansTab(db, actor)
            self.tabs.addTab(self.plans, "地域計画")
        self.leaflets = LeafletsTab(db, actor)
        self.tabs.addTab(self.leaflets, "印刷物")
        # Administrators' tabs: only for accounts the services would let read them.
        self.accounts_tab: AccountsTab | None = None
        self.audit_tab: AuditTab | None = None
        if actor.may(Action.READ, Resource.ACCOUNTS):
            self.accounts_tab = AccountsTab(db, actor)
            self.tabs.addTab(self.accounts_tab, "アカウント")
        if actor.may(Action.READ, Resource.AUDIT_LOG):
            self.audit_tab = AuditTab(db, actor)
            self.tabs.addTab(self.audit_tab, "操作記録")
        self.setCentralWidget(self.tabs)
        for tab in (self.contacts, self.consultations, self.events, self.grants, self.plans,
                    self.leaflets, self.accounts_tab, self.audit_tab):
            if tab is not None:
                tab.status_message.connect(
                    lambda text: self.statusBar().showMessage(text, STATUS_MESSAGE_MS))

        self.connection_label = QLabel()
        self.connection_label.setObjectName("connectionLabel")
        self.statusBar().addPermanentWidget(self.connection_label)
        who = QLabel(f"{actor.name}（{ROLE_LABELS[actor.role]}）")
        who.setObjectName("actorLabel")
        self.statusBar().addPermanentWidget(who)
        where = QLabel(f"接続先 {db.describe()}")
        where.setObjectName("databaseLabel")
        self.statusBar().addPermanentWidget(where)
        if db.read_only:
            warning = QLabel("閲覧のみ")
            warning.setObjectName("readOnlyLabel")
            warning.setStyleSheet("color: white; background: #c0392b; padding: 1px 6px;")
            warning.setToolTip(db.read_only_reason)
            self.statusBar().addPermanentWidget(warning)
        self._build_menus()

        # What this window's operations wrote and what other counters committed reach every
        # tab by the same signal (ui/operations.py).
        self.live = LiveUpdates(db)
        self.live.changed.connect(data_changes().changed)
        for tab in (self.contacts, self.leaflets, self.consultations, self.events, self.grants,
                    self.plans):
            if tab is not None:
                data_changes().changed.connect(tab.on_data_changed)
        for tab in (self.contacts, self.consultations, self.events, self.grants, self.plans):
            if tab is not None:
                self.live.connection.connect(tab.on_connection)
        if self.consultations is not None:
            self.consultations.refresh()
        self.live.connection.connect(self._connection_changed)
        self.live.start()
        self.contacts.search_finished.connect(freeze_the_started_app)

    def _show_follow_ups(self, counts: FollowUpCounts) -> None:
        """The badge: the signed-in account's open follow-ups, and the overdue ones."""
        assert self.consultations is not None
        index = self.tabs.indexOf(self.consultations)
        title = CONSULTATIONS_TITLE
        tip = "自分のフォローアップはありません。"
        if counts.open:
            title += f" ({counts.open})" if not counts.overdue else f" ({counts.open}・期限切れ{counts.overdue})"
            tip = f"自分のフォローアップ {counts.open}件（うち期限切れ {counts.overdue}件）"
        self.tabs.setTabText(index, title)
        self.tabs.setTabToolTip(index, tip)

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            if self.connection_label.text():  # only after a loss, not at start
                self.statusBar().showMessage("データベースへの接続が戻りました。", STATUS_MESSAGE_MS)
            self.connection_label.setText("")
            self.connection_label.setStyleSheet("")
        else:
            self.connection_label.setText("接続が切れています — 再接続を試みています…")
            self.connection_label.setStyleSheet(
                "color: white; background: #c0392b; padding: 1px 6px;")

    def _sign_out(self, message: str, asker: QObject | None = None) -> None:
        """The account may no longer act: keep every open form as a draft, say why, and close
        (the app returns to the sign-in)."""
        if self.signed_out or (asker is not None and not belongs_to(asker, self)):
            return  # several screens may find out at once; another window's call is not ours
        self.signed_out = True
        self.live.stop()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, DraftedForm) and widget.isVisible():
                widget.close_keeping_draft()
            elif isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        QMessageBox.warning(self, "協働デスク — サインインし直してください",
                            f"{message}\n\n入力中の内容は下書きとして残してあります。")
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self.live.stop()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("ファイル(&F)")
        if not self.db.read_only and self.actor.may(Action.CREATE, Resource.CONTACTS):
            importing = QAction("取り込み(&I)…", self)
            importing.triggered.connect(self.open_import)
            file_menu.addAction(importing)
            file_menu.addSeparator()
        password = QAction("パスワードの変更(&P)…", self)
        password.triggered.connect(
            lambda: ChangePasswordDialog(self.db, self.actor, self).exec())
        file_menu.addAction(password)
        file_menu.addSeparator()
        quit_action = QAction("終了(&X)", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu("編集(&E)")
        may_merge = self.actor.may(Action.CHANGE, Resource.DUPLICATES)
        undo = QAction("元に戻す（連絡先の削除・統合）(&U)" if may_merge
                       else "元に戻す（連絡先の削除）(&U)", self)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.triggered.connect(self._undo)
        edit_menu.addAction(undo)
        self.undo_action = undo
        find = QAction("検索(&F)", self)
        find.setShortcut(QKeySequence("Ctrl+F"))
        find.triggered.connect(self._find)
        edit_menu.addAction(find)

        tools_menu = self.menuBar().addMenu("ツール(&T)")
        if self.actor.may(Action.READ, Resource.DUPLICATES):
            duplicates = QAction("連絡先の重複を確認(&D)…", self)
            duplicates.triggered.connect(self.open_duplicates)
            tools_menu.addAction(duplicates)
        unconfirmed = QAction("確認から12か月を過ぎた団体(&U)…", self)
        unconfirmed.triggered.connect(self._unconfirmed_groups)
        tools_menu.addAction(unconfirmed)

        if self.actor.role is Role.ADMIN:
            admin_menu = self.menuBar().addMenu("管理(&A)")
            settings = QAction("データベースの接続設定(&D)…", self)
            settings.triggered.connect(self._database_settings)
            admin_menu.addAction(settings)
            admin_menu.addSeparator()
            facilities = QAction("施設の情報(&F)…", self)
            facilities.triggered.connect(self._facilities)
            admin_menu.addAction(facilities)
            topics = QAction("相談の分野(&T)…", self)
            topics.triggered.connect(self._topics)
            admin_menu.addAction(topics)
            districts = QAction("地域と町名(&W)…", self)
            districts.triggered.connect(self._districts)
            admin_menu.addAction(districts)
            activity_fields = QAction("活動分野(&G)…", self)
            activity_fields.triggered.connect(self._activity_fields)
            admin_menu.addAction(activity_fields)
            directions = QAction("指針の方向への対応づけ(&P)…", self)
            directions.triggered.connect(self._directions)
            admin_menu.addAction(directions)
            retention = QAction("相談記録の保存年限と匿名化(&R)…", self)
            retention.triggered.connect(self._retention)
            admin_menu.addAction(retention)
            date_style = QAction("日付の表記(&Y)…", self)
            date_style.triggered.connect(self._date_style)
            admin_menu.addAction(date_style)

        help_menu = self.menuBar().addMenu("ヘルプ(&H)")
        # 使い方 (F1): the manual on the page of the tab on show (ui/help_window.py).
        self.help = HelpOpener(self, self.tabs.currentWidget)
        help_menu.addAction(self.help.action)
        help_menu.addSeparator()
        about = QAction("協働デスクについて(&A)", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def open_import(self) -> QDialog:
        from kyodo_desk.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self.db, self.actor, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.show()
        return wizard

    def open_duplicates(self) -> QDialog:
        """ツール → 連絡先の重複を確認: one list per window, brought to the front if open."""
        from kyodo_desk.ui.contacts.duplicates_window import DuplicatesWindow
        from kyodo_desk.ui.contacts.merge_dialog import merge_events

        window = self.duplicates_window
        if window is None or not shiboken6.isValid(window):
            if not self._hears_merges:
                self._hears_merges = True
                merge_events().merged.connect(self._merge_done)
                merge_events().undone.connect(self._merge_undone)
            window = self.duplicates_window = DuplicatesWindow(self.db, self.actor, self)
            window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            window.addAction(self.undo_action)  # Ctrl+Z there too
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _merge_done(self, made: DoneMerge) -> None:
        """A merge is the latest act 元に戻す takes back (one step, as for a removal)."""
        self._merge_to_undo = made
        self.contacts.last_removed = None

    def _merge_undone(self, merge_id: int) -> None:
        if self._merge_to_undo is not None and self._merge_to_undo.merge_id == merge_id:
            self._merge_to_undo = None

    def _undo(self) -> None:
        """編集 → 元に戻す: the latest of a contact's removal and a merge, once."""
        made, self._merge_to_undo = self._merge_to_undo, None
        if made is None or self.contacts.last_removed is not None:
            self.contacts.undo_remove()
            return
        from kyodo_desk.ui.contacts.merge_dialog import undo_merge_in_background

        def failed(exc: Exception) -> None:
            if self._merge_to_undo is None and self.contacts.last_removed is None:
                self._merge_to_undo = made  # nothing done since: it may be tried again
            show_failure(self, exc, reading=False)

        undo_merge_in_background(
            self, self.db, self.actor, made,
            lambda _kept: self.statusBar().showMessage(made.undone_text(), STATUS_MESSAGE_MS),
            failed=failed)

    def _find(self) -> None:
        """Ctrl+F: the search box of the tab on show, if it has one (else the lookup's)."""
        focus = getattr(self.tabs.currentWidget(), "focus_search", self.contacts.focus_search)
        focus()

    def _database_settings(self) -> None:
        dialog = DatabaseSettingsDialog(current_database_settings(), self.actor, self)
        dialog.saved.connect(lambda text: self.statusBar().showMessage(text, STATUS_MESSAGE_MS))
        dialog.exec()

    def _facilities(self) -> None:
        from kyodo_desk.ui.admin.facilities_dialog import FacilitiesDialog

        FacilitiesDialog(self.db, self.actor, self).exec()

    def _topics(self) -> None:
        from kyodo_desk.ui.admin.topics_dialog import TopicsDialog

        TopicsDialog(self.db, self.actor, self).exec()

    def _districts(self) -> None:
        from kyodo_desk.ui.admin.districts_dialog import DistrictsDialog

        DistrictsDialog(self.db, self.actor, self).exec()

    def _directions(self) -> None:
        from kyodo_desk.ui.admin.directions_dialog import DirectionsDialog

        DirectionsDialog(self.db, self.actor, self).exec()

    def _activity_fields(self) -> None:
        from kyodo_desk.ui.admin.topics_dialog import ActivityFieldsDialog

        ActivityFieldsDialog(self.db, self.actor, self).exec()

    def _unconfirmed_groups(self) -> None:
        from kyodo_desk.ui.contacts.unconfirmed_window import UnconfirmedGroupsDialog

        dialog = UnconfirmedGroupsDialog(self.db, self.actor, self)
        dialog.open_requested.connect(self.contacts.open_contact)
        dialog.exec()

    def _retention(self) -> None:
        from kyodo_desk.ui.admin.retention_dialog import RetentionDialog

        RetentionDialog(self.db, self.actor, self).exec()

    def _date_style(self) -> None:
        from kyodo_desk.ui.admin.date_style_dialog import DateStyleDialog

        DateStyleDialog(self.db, self.actor, self).exec()

    def _about(self) -> None:
        QMessageBox.about(
            self, "協働デスクについて",
            f"協働デスク {__version__}\n秋田市 市民生活部 中央市民サービスセンター\n\n"
            f"接続先: {self.db.describe()}\n"
            "同梱フォント: IPAexゴシック（IPAフォントライセンスv1.0）",
        )

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.db.read_only:
            self.statusBar().showMessage(self.db.read_only_reason)
        if self.db.startup_notice:  # today's backup failed: said once, not at every new window
            self.statusBar().showMessage(self.db.startup_notice.partition("\n")[0])
            warning = QLabel("バックアップ未作成")
            warning.setObjectName("startupNoticeLabel")
            warning.setStyleSheet("color: white; background: #c0392b; padding: 1px 6px;")
            warning.setToolTip(self.db.startup_notice)  # the reason, where it fits
            self.statusBar().addPermanentWidget(warning)
            self.db.startup_notice = ""
