//! The edit dialog: status, tracking number and internal notes of one
//! order, saved with the version they were loaded at. When someone else
//! saved first (the server's 409, or a live change while the form has
//! unsaved edits) the conflict panel shows both sides and the admin
//! chooses; nothing is overwritten silently.

use super::format::{audit_sentence, or_dash};
use super::params::{parse_status, status_key};
use super::{Desk, Editing};
use crate::admin::api::{load_order, save_order};
use crate::admin::model::{AdminOrder, AdminOrderRow, OrderEdit, MAX_NOTES_CHARS, MAX_TRACKING_CHARS};
use crate::error::AppError;
use crate::orders::status::OrderStatus;
use leptos::either::Either;
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Shown when the order changed while the form had no unsaved edits.
const RELOADED: &str = "This order was updated by someone else; showing the latest version.";

/// The editable fields, as the form holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormValues {
    pub status: OrderStatus,
    pub tracking: String,
    pub notes: String,
}

impl FormValues {
    /// The fields of `order`.
    pub fn of(order: &AdminOrder) -> Self {
        FormValues {
            status: order.row.status,
            tracking: order.row.tracking_number.clone().unwrap_or_default(),
            notes: order.notes.clone(),
        }
    }
}

/// The edit that saves `mine`, made from `base` at `version`: only the
/// fields the admin changed, so fields someone else changed meanwhile are
/// left as they are.
pub fn edit_between(base: &FormValues, mine: &FormValues, version: i32) -> OrderEdit {
    OrderEdit {
        version,
        status: (mine.status != base.status).then_some(mine.status),
        tracking_number: (mine.tracking != base.tracking).then(|| mine.tracking.clone()),
        notes: (mine.notes != base.notes).then(|| mine.notes.clone()),
    }
}

/// Whether `edit` changes anything.
fn changes_anything(edit: &OrderEdit) -> bool {
    edit.status.is_some() || edit.tracking_number.is_some() || edit.notes.is_some()
}

/// The fields where the admin's values and the server's differ: name,
/// the admin's value, the server's value.
pub fn differences(mine: &FormValues, server: &FormValues) -> Vec<(&'static str, String, String)> {
    let mut rows = Vec::new();
    if mine.status != server.status {
        rows.push(("Status", mine.status.to_string(), server.status.to_string()));
    }
    if mine.tracking.trim() != server.tracking.trim() {
        rows.push(("Tracking number", or_dash(Some(&mine.tracking)), or_dash(Some(&server.tracking))));
    }
    if mine.notes.trim() != server.notes.trim() {
        rows.push(("Internal notes", or_dash(Some(&mine.notes)), or_dash(Some(&server.notes))));
    }
    rows
}

/// The table row as `edit` will leave it (shown before the server answers).
fn apply_to_row(row: &mut AdminOrderRow, edit: &OrderEdit) {
    if let Some(status) = edit.status {
        row.status = status;
    }
    if let Some(tracking) = &edit.tracking_number {
        row.tracking_number = Some(tracking.trim().to_string()).filter(|t| !t.is_empty());
    }
}

/// The statuses the form offers for an order in `from`: where it is and
/// where the lifecycle lets it go.
fn status_choices(from: OrderStatus) -> Vec<OrderStatus> {
    OrderStatus::ALL.into_iter().filter(|to| *to == from || from.can_become(*to)).collect()
}

/// The modal dialog editing `editing.id`.
#[component]
pub(super) fn EditDialog(desk: Desk, editing: Editing) -> impl IntoView {
    let id = editing.id;
    // The order the form started from (its values are what "changed" is
    // measured against), and the version a save is made from.
    let base = RwSignal::new(None::<AdminOrder>);
    let version = RwSignal::new(0i32);
    let status = RwSignal::new(OrderStatus::Pending);
    let tracking = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    // The server's order while the conflict panel is open.
    let conflict = RwSignal::new(None::<AdminOrder>);
    let notice = RwSignal::new(None::<&'static str>);
    let field_error = RwSignal::new(None::<(String, String)>);
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let dialog = NodeRef::<html::Div>::new();

    let mine = move || FormValues { status: status.get(), tracking: tracking.get(), notes: notes.get() };
    let mine_now = move || untrack(mine);
    let dirty = Memo::new(move |_| base.with(|b| b.as_ref().is_some_and(|b| FormValues::of(b) != mine())));
    let loaded = Memo::new(move |_| base.with(Option::is_some));
    let base_status = Memo::new(move |_| base.with(|b| b.as_ref().map(|b| b.row.status)));

    // Only `set` after an await: the dialog may have closed meanwhile.
    let load = move |order: AdminOrder| {
        let values = FormValues::of(&order);
        version.set(order.row.version);
        status.set(values.status);
        tracking.set(values.tracking);
        notes.set(values.notes);
        conflict.set(None);
        field_error.set(None);
        error.set(None);
        base.set(Some(order));
    };
    spawn_local(async move {
        match load_order(id).await {
            Ok(order) => load(order),
            Err(err) => error.set(Some(err.to_string())),
        }
    });

    let close = move || {
        desk.editing.set(None);
        if let Some(Some(button)) = editing.opener.try_get_untracked() {
            // Best effort: the row may have scrolled away.
            let _ = button.focus();
        }
    };

    // Someone else saved this order: reload the form if it has no unsaved
    // edits, otherwise let the admin choose in the conflict panel.
    let changed_elsewhere = move || {
        spawn_local(async move {
            let Ok(current) = load_order(id).await else { return };
            let Some(known) = version.try_get_untracked() else { return };
            let shown = conflict.try_with_untracked(|c| c.as_ref().map(|c| c.row.version)).flatten().unwrap_or(0);
            if current.row.version <= known.max(shown) || saving.try_get_untracked() != Some(false) {
                return;
            }
            if dirty.try_get_untracked() == Some(true) {
                conflict.set(Some(current));
            } else {
                load(current);
                notice.set(Some(RELOADED));
            }
        });
    };
    Effect::new(move |_| {
        let Some(row) = desk.synced.get() else { return };
        if row.id != id || saving.get_untracked() || !loaded.get_untracked() {
            return;
        }
        let seen = conflict.with_untracked(|c| c.as_ref().map_or(0, |c| c.row.version)).max(version.get_untracked());
        if row.version > seen {
            changed_elsewhere();
        }
    });

    let save = move || {
        let Some(from) = base.with_untracked(|b| b.as_ref().map(FormValues::of)) else { return };
        let edit = edit_between(&from, &mine_now(), version.get_untracked());
        if !changes_anything(&edit) {
            close();
            return;
        }
        saving.set(true);
        field_error.set(None);
        error.set(None);
        notice.set(None);
        // Optimistic: the table shows the change at once.
        let before = desk.cache.try_update(|c| c.patch(id, |row| apply_to_row(row, &edit))).flatten();
        spawn_local(async move {
            let result = save_order(id, edit).await;
            saving.set(false);
            if let (Err(_), Some(before)) = (&result, &before) {
                desk.cache.try_update(|c| c.restore(before));
            }
            match result {
                Ok(order) => {
                    desk.cache.try_update(|c| c.replace_if_newer(&order.row));
                    close();
                }
                Err(AppError::OrderChanged { current }) => {
                    desk.cache.try_update(|c| c.replace_if_newer(&current.row));
                    conflict.set(Some(*current));
                }
                Err(AppError::Validation { field, message }) if ["status", "tracking_number", "notes"].contains(&field.as_str()) => {
                    field_error.set(Some((field, message)));
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    // Discard mine: take the server's order and version.
    let refresh = move || {
        if let Some(current) = conflict.get_untracked() {
            load(current);
        }
    };
    // Keep mine: save it over the server's current version.
    let force = move || {
        if let Some(current) = conflict.get_untracked() {
            version.set(current.row.version);
            conflict.set(None);
            save();
        }
    };

    Effect::new(move |_| {
        if let Some(el) = dialog.get() {
            // Best effort: focus only helps keyboard and screen-reader users.
            let _ = el.focus();
        }
    });
    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close();
        }
    };
    let field_message = move |field: &'static str| {
        move || {
            field_error.get().filter(|(f, _)| f == field).map(|(_, message)| {
                view! { <p role="alert" class="field-error" id=format!("edit-{field}-error")>{message}</p> }
            })
        }
    };
    let described = move |field: &'static str| {
        move || field_error.with(|e| e.as_ref().filter(|(f, _)| f == field).map(|_| format!("edit-{field}-error")))
    };

    let form = move || {
        view! {
            <form class="stacked-form edit-form" on:submit=move |ev: ev::SubmitEvent| {
                ev.prevent_default();
                save();
            }>
                <div class="edit-state">
                    <p>{move || format!("Version {}", version.get())}</p>
                    {move || dirty.get().then(|| view! { <p class="unsaved">"Unsaved changes"</p> })}
                </div>
                <div class="field">
                    <label for="edit-status">"Status"</label>
                    <select
                        id="edit-status"
                        aria-describedby=described("status")
                        on:change=move |ev| {
                            if let Some(s) = parse_status(&event_target_value(&ev)) {
                                status.set(s);
                            }
                        }
                    >
                        {move || {
                            base_status
                                .get()
                                .map(status_choices)
                                .unwrap_or_default()
                                .into_iter()
                                .map(|s| {
                                    view! {
                                        <option value=status_key(s) prop:selected=move || status.get() == s>
                                            {s.to_string()}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    {field_message("status")}
                </div>
                <div class="field">
                    <label for="edit-tracking">"Tracking number"</label>
                    <input
                        id="edit-tracking"
                        type="text"
                        autocomplete="off"
                        maxlength=MAX_TRACKING_CHARS
                        aria-describedby=described("tracking_number")
                        prop:value=move || tracking.get()
                        on:input=move |ev| tracking.set(event_target_value(&ev))
                    />
                    {field_message("tracking_number")}
                </div>
                <div class="field">
                    <label for="edit-notes">"Internal notes"</label>
                    <textarea
                        id="edit-notes"
                        rows="4"
                        maxlength=MAX_NOTES_CHARS
                        aria-describedby=described("notes")
                        prop:value=move || notes.get()
                        on:input=move |ev| notes.set(event_target_value(&ev))
                    ></textarea>
                    {field_message("notes")}
                </div>
                <div class="dialog-actions">
                    <button type="button" on:click=move |_| close()>
                        "Cancel"
                    </button>
                    <button type="submit" class="primary" disabled=move || saving.get()>
                        "Save"
                    </button>
                </div>
            </form>
            <section class="history" aria-labelledby="history-heading">
                <h3 id="history-heading">"History"</h3>
                {move || {
                    base.with(|b| {
                        let audit = b.as_ref().map(|b| b.audit.as_slice()).unwrap_or_default();
                        if audit.is_empty() {
                            Either::Left(view! { <p>"No changes yet."</p> })
                        } else {
                            Either::Right(view! {
                                <ol class="history-list">
                                    {audit.iter().map(|entry| view! { <li>{audit_sentence(entry)}</li> }).collect_view()}
                                </ol>
                            })
                        }
                    })
                }}
            </section>
        }
    };

    view! {
        <div class="dialog-backdrop">
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="edit-order-heading"
                tabindex="-1"
                node_ref=dialog
                on:keydown=on_keydown
            >
                <h2 id="edit-order-heading">{format!("Edit order #{id}")}</h2>
                <p role="status" class="notice-ok">{move || notice.get()}</p>
                {move || error.get().map(|message| view! { <p role="alert" class="form-error">{message}</p> })}
                {move || conflict.get().map(|current| conflict_panel(mine, FormValues::of(&current), refresh, force))}
                {move || if loaded.get() { Either::Left(form()) } else { Either::Right(view! { <p>"Loading the order…"</p> }) }}
            </div>
        </div>
    }
}

/// Both sides of a conflict, field by field, and the two ways out.
fn conflict_panel(
    mine: impl Fn() -> FormValues + Send + Sync + 'static,
    server: FormValues,
    refresh: impl Fn() + Copy + Send + Sync + 'static,
    force: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let rows = move || {
        let rows = differences(&mine(), &server);
        if rows.is_empty() {
            return Either::Left(view! { <p>"Your values and the server's are the same now."</p> });
        }
        Either::Right(view! {
            <table class="conflict-table">
                <caption class="visually-hidden">"Your changes and the server's values"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Field"</th>
                        <th scope="col">"Your change"</th>
                        <th scope="col">"Server value"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(field, mine, theirs)| {
                            view! {
                                <tr>
                                    <th scope="row">{field}</th>
                                    <td>{mine}</td>
                                    <td>{theirs}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        })
    };
    view! {
        <section class="conflict" role="alert" aria-labelledby="conflict-heading">
            <h3 id="conflict-heading">"This order was changed by someone else"</h3>
            {rows}
            <div class="dialog-actions">
                <button type="button" on:click=move |_| refresh()>
                    "Refresh"
                </button>
                <button type="button" on:click=move |_| force()>
                    "Force overwrite"
                </button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(status: OrderStatus, tracking: &str, notes: &str) -> FormValues {
        FormValues { status, tracking: tracking.into(), notes: notes.into() }
    }

    #[test]
    fn an_edit_carries_only_the_fields_changed() {
        let base = values(OrderStatus::Confirmed, "", "");
        let edit = edit_between(&base, &values(OrderStatus::Confirmed, "", "call first"), 4);
        assert_eq!(edit, OrderEdit { version: 4, status: None, tracking_number: None, notes: Some("call first".into()) });
        assert!(!changes_anything(&edit_between(&base, &base, 4)));
        let shipped = edit_between(&base, &values(OrderStatus::Shipped, "1Z", ""), 4);
        assert_eq!(shipped.status, Some(OrderStatus::Shipped));
        assert_eq!(shipped.tracking_number.as_deref(), Some("1Z"));
    }

    #[test]
    fn the_conflict_panel_lists_differing_fields() {
        let mine = values(OrderStatus::Confirmed, "", "call first");
        let server = values(OrderStatus::Confirmed, "1Z999", "");
        assert_eq!(
            differences(&mine, &server),
            vec![("Tracking number", "—".to_string(), "1Z999".to_string()), ("Internal notes", "call first".to_string(), "—".to_string())]
        );
        assert!(differences(&mine, &mine).is_empty());
    }

    #[test]
    fn the_form_offers_only_allowed_statuses() {
        assert_eq!(status_choices(OrderStatus::Confirmed), vec![OrderStatus::Confirmed, OrderStatus::Shipped, OrderStatus::Cancelled]);
        assert_eq!(status_choices(OrderStatus::Delivered), vec![OrderStatus::Delivered]);
    }
}
