// Login page: posts the credentials to the API, which sets the umami.auth cookie.
"use strict";

(function () {
  const U = window.Umami;
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = form.username.value.trim();
    const password = form.password.value;
    if (!username || !password) {
      U.showError(error, "Enter your username and password.");
      (username ? form.password : form.username).focus();
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = "Logging in…";
    try {
      await U.post("/auth/login", { username, password });
      location.assign(form.dataset.next || U.base + "/");
    } catch (err) {
      U.showError(error, err.status === 401 ? "Incorrect username or password." : err.message);
      form.password.select();
      button.disabled = false;
      button.textContent = "Log in";
    }
  });
})();
