// Settings: change your password; admins add, edit and delete accounts.
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;

  const passwordForm = document.getElementById("password-form");
  const passwordError = document.getElementById("password-error");
  const passwordOk = document.getElementById("password-ok");

  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    U.showError(passwordError, "");
    U.showError(passwordOk, "");
    const current = passwordForm.current.value;
    const fresh = passwordForm.new.value;
    let problem = "";
    if (!current) problem = "Enter your current password.";
    else if (fresh.length < 8) problem = "The new password needs at least 8 characters.";
    else if (fresh !== passwordForm.confirm.value) problem = "The two new passwords differ.";
    if (problem) {
      U.showError(passwordError, problem);
      return;
    }
    const button = passwordForm.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await U.post("/account/password", { current_password: current, new_password: fresh });
      // A password change revokes every token, this page's too: log in again with the new one.
      await U.post("/auth/login", { username: passwordForm.username.value, password: fresh });
      passwordForm.reset();
      U.showError(passwordOk, "Password changed.");
    } catch (err) {
      U.showError(passwordError, err.message);
    } finally {
      button.disabled = false;
    }
  });

  const section = document.getElementById("accounts");
  if (!section) return; // not an admin

  const selfId = Number(section.dataset.selfId);
  const listBox = document.getElementById("account-list");
  const dialog = document.getElementById("account-dialog");
  const form = document.getElementById("account-form");
  const formError = document.getElementById("account-error");
  const confirmDialog = document.getElementById("confirm-dialog");
  let editing = null;

  async function load() {
    try {
      render(await U.get("/accounts"));
    } catch (err) {
      U.replace(listBox, U.errorBox("Could not load the accounts: " + err.message));
    }
  }

  function render(accounts) {
    const rows = accounts.map((account) => h("tr", {},
      h("td", {}, account.username, account.user_id === selfId ? h("span", { class: "badge" }, "You") : null),
      h("td", {}, account.is_admin ? "Admin" : "User"),
      h("td", { class: "muted created" }, new Date(account.created_at).toLocaleDateString()),
      h("td", { class: "actions" },
        h("button", { type: "button", class: "btn btn-small", onclick: () => openEditor(account),
          "aria-label": "Edit " + account.username }, "Edit"),
        account.user_id === selfId ? null : h("button", { type: "button", class: "btn btn-small",
          onclick: () => confirmDelete(account), "aria-label": "Delete " + account.username }, "Delete"))));
    U.replace(listBox, h("table", { class: "account-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Username"), h("th", {}, "Role"), h("th", { class: "created" }, "Created"),
        h("th", {}, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody", {}, rows)));
  }

  function openEditor(account) {
    editing = account || null;
    document.getElementById("account-dialog-title").textContent = account ? "Edit " + account.username : "Add account";
    form.username.value = account ? account.username : "";
    form.password.value = "";
    form.password.placeholder = account ? "Leave empty to keep the password" : "";
    form.admin.checked = Boolean(account && account.is_admin);
    // An admin cannot take their own admin rights away and lock everybody out.
    form.admin.disabled = Boolean(account && account.user_id === selfId);
    U.showError(formError, "");
    dialog.showModal();
    form.username.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = form.username.value.trim();
    const password = form.password.value;
    if (!username) return U.showError(formError, "Enter a username.");
    if ((!editing || password) && password.length < 8) {
      return U.showError(formError, "The password needs at least 8 characters.");
    }
    const body = { username, is_admin: form.admin.checked };
    if (password) body.password = password;
    if (editing) body.user_id = editing.user_id;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await U.post("/account", body);
      dialog.close();
      U.toast(editing ? "Saved " + username : "Added " + username);
      await load();
    } catch (err) {
      U.showError(formError, err.message);
    } finally {
      button.disabled = false;
    }
  });

  function confirmDelete(account) {
    document.getElementById("confirm-title").textContent = "Delete " + account.username + "?";
    document.getElementById("confirm-message").textContent =
      "This deletes the account and every website it owns, with all their data.";
    const error = document.getElementById("confirm-error");
    const ok = document.getElementById("confirm-ok");
    U.showError(error, "");
    confirmDialog.querySelector("form").onsubmit = async (event) => {
      event.preventDefault();
      ok.disabled = true;
      try {
        await U.del("/account/" + account.user_id);
        confirmDialog.close();
        U.toast("Deleted " + account.username);
        await load();
      } catch (err) {
        U.showError(error, err.message);
      } finally {
        ok.disabled = false;
      }
    };
    confirmDialog.showModal();
    confirmDialog.querySelector("[data-close]").focus();
  }

  document.getElementById("add-account").addEventListener("click", () => openEditor(null));
  load();
})();
