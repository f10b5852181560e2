/* Keyboard-first consultation capture (clinics:team_capture).

   The page works without this file: the form posts normally and the server redirects back. This
   adds the shortcuts a practised clerk uses to record a consultation in a few seconds:

     1–5         age group                 m f p   male, female, pregnant
     a letter    the item whose button shows that letter (toggles)
     /           the find box: an item number or words, Enter ticks the highlighted item
     Enter       save (Ctrl+Enter from a text box)      Esc   clear the form

   Saving goes through htmx (the form's hx-post), which swaps the answer in place. Every post
   carries a client id made here; the server records a client id once, so a double press or a
   retry after a lost connection never records the consultation twice. A fresh id is made after
   every answer the server gave, and kept when the post never arrived, so the retry reuses it. */
(function () {
  "use strict";

  var TEXT_TYPES = ["text", "search", "number", "email", "url", "tel", "date", "password"];
  var MAX_RESULTS = 8;
  var activeOption = -1;

  function captureForm() {
    return document.querySelector("[data-capture-form]");
  }

  function findBox() {
    return document.getElementById("capture-find");
  }

  function findResults() {
    return document.getElementById("capture-find-results");
  }

  function isTextField(element) {
    if (!element || !element.tagName) {
      return false;
    }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") {
      return true;
    }
    if (tag === "INPUT") {
      return TEXT_TYPES.indexOf(element.type) !== -1;
    }
    return Boolean(element.isContentEditable);
  }

  function newClientId(form) {
    var input = form.querySelector("input[name=client_id]");
    // Without a secure context (plain http) randomUUID is missing: the id the server put in the
    // form stays, which is just as unique.
    if (input && window.crypto && typeof window.crypto.randomUUID === "function") {
      input.value = window.crypto.randomUUID();
    }
  }

  function prepare(focus) {
    document.querySelectorAll("[data-js-only]").forEach(function (element) {
      element.hidden = false;
    });
    var form = captureForm();
    if (!form) {
      return;
    }
    newClientId(form);
    if (focus) {
      var invalid = form.querySelector(".has-error input:not([type=hidden]), .has-error select, .has-error textarea");
      (invalid || form).focus({ preventScroll: !invalid });
    }
  }

  function submit(form) {
    closeFind();
    // htmx wires up swapped-in content only when it settles (20 ms later); a clerk who presses
    // Enter inside that window would otherwise post the new form natively and reload the page.
    // Processing an element htmx already knows changes nothing.
    if (window.htmx) {
      window.htmx.process(form);
    }
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function clearForm(form) {
    form.querySelectorAll("input[type=radio], input[type=checkbox]").forEach(function (input) {
      input.checked = false;
    });
    form.querySelectorAll("input[name=age], input[name=patient_reference], input[name=reference], textarea[name=note]")
      .forEach(function (input) {
        input.value = "";
      });
    var unit = form.querySelector("select[name=age_unit]");
    if (unit) {
      unit.selectedIndex = 0;
    }
    form.querySelectorAll(".errorlist, .form-errors").forEach(function (element) {
      element.remove();
    });
    form.querySelectorAll(".has-error").forEach(function (element) {
      element.classList.remove("has-error");
    });
    var find = findBox();
    if (find) {
      find.value = "";
    }
    closeFind();
    newClientId(form);
    form.focus({ preventScroll: true });
  }

  function flash(label) {
    label.classList.add("is-found");
    window.setTimeout(function () {
      label.classList.remove("is-found");
    }, 600);
  }

  function press(form, label) {
    var input = label.querySelector("input");
    if (!input) {
      return;
    }
    if (input.type === "radio") {
      input.checked = true;
    } else {
      input.checked = !input.checked;
    }
    input.dispatchEvent(new Event("change", { bubbles: true }));
    flash(label);
  }

  // The find box ---------------------------------------------------------------------------------

  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function catalogue(form) {
    return Array.prototype.map.call(form.querySelectorAll("label.capture-tick"), function (label) {
      var text = label.querySelector(".capture-label");
      return {
        number: label.getAttribute("data-number"),
        label: text ? text.textContent.trim() : "",
        element: label,
        input: label.querySelector("input"),
      };
    });
  }

  function matches(form, query) {
    var wanted = normalise(query.trim());
    if (!wanted) {
      return [];
    }
    var items = catalogue(form);
    if (/^\d+$/.test(wanted)) {
      var exact = items.filter(function (item) {
        return item.number === wanted;
      });
      var starting = items.filter(function (item) {
        return item.number !== wanted && item.number.indexOf(wanted) === 0;
      });
      return exact.concat(starting).slice(0, MAX_RESULTS);
    }
    var words = wanted.split(/\s+/);
    return items
      .filter(function (item) {
        var text = normalise(item.number + " " + item.label);
        return words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
      })
      .slice(0, MAX_RESULTS);
  }

  function closeFind() {
    var results = findResults();
    var find = findBox();
    if (results) {
      results.hidden = true;
      results.textContent = "";
    }
    if (find) {
      find.setAttribute("aria-expanded", "false");
      find.removeAttribute("aria-activedescendant");
    }
    activeOption = -1;
  }

  function highlight(index) {
    var results = findResults();
    var find = findBox();
    var options = results ? results.querySelectorAll("[role=option]") : [];
    if (!options.length) {
      activeOption = -1;
      return;
    }
    activeOption = (index + options.length) % options.length;
    options.forEach(function (option, position) {
      option.setAttribute("aria-selected", position === activeOption ? "true" : "false");
    });
    find.setAttribute("aria-activedescendant", options[activeOption].id);
  }

  function showMatches(form) {
    var find = findBox();
    var results = findResults();
    if (!find || !results) {
      return;
    }
    var found = matches(form, find.value);
    results.textContent = "";
    if (!find.value.trim()) {
      closeFind();
      return;
    }
    if (!found.length) {
      var none = document.createElement("li");
      none.textContent = find.getAttribute("data-none-text") || "";
      results.appendChild(none);
    }
    found.forEach(function (item, position) {
      var option = document.createElement("li");
      option.id = "capture-find-option-" + position;
      option.setAttribute("role", "option");
      option.setAttribute("data-number", item.number);
      option.textContent = item.number + " " + item.label;
      if (item.input && item.input.checked) {
        var ticked = document.createElement("span");
        ticked.className = "is-ticked";
        ticked.textContent = " (" + (find.getAttribute("data-ticked-text") || "") + ")";
        option.appendChild(ticked);
      }
      results.appendChild(option);
    });
    results.hidden = false;
    find.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  function tickFound(form, number) {
    var label = form.querySelector('label.capture-tick[data-number="' + number + '"]');
    var find = findBox();
    if (label) {
      press(form, label);
    }
    if (find) {
      find.value = "";
    }
    closeFind();
    // Back to the form, so the next shortcut works straight away.
    form.focus({ preventScroll: true });
  }

  function onFindKey(event, form) {
    var find = findBox();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(activeOption + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();
      var options = findResults().querySelectorAll("[role=option]");
      if (!find.value.trim()) {
        submit(form);
      } else if (options.length && activeOption >= 0) {
        tickFound(form, options[activeOption].getAttribute("data-number"));
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (find.value) {
        find.value = "";
        closeFind();
      } else {
        form.focus({ preventScroll: true });
      }
    } else if (event.key === "Tab") {
      closeFind();
    }
  }

  // Keys -----------------------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    var form = captureForm();
    if (!form || event.defaultPrevented || event.isComposing) {
      return;
    }
    var target = event.target;
    if (target === findBox()) {
      onFindKey(event, form);
      return;
    }
    // Keys belong to the form only while focus is in it (or nowhere in particular): the site
    // and day fields, links and the header keep their usual keys.
    var inForm = form.contains(target) || target === document.body || target === document.documentElement;
    if (!inForm) {
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit(form);
      return;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      clearForm(form);
      return;
    }
    if (isTextField(target) || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (event.key === "Enter") {
      if (target.tagName === "BUTTON" || target.tagName === "A" || target.tagName === "SUMMARY") {
        return;
      }
      event.preventDefault();
      submit(form);
      return;
    }
    if (event.key.length !== 1) {
      return;
    }
    var key = event.key.toLowerCase();
    if (key === "/") {
      var find = findBox();
      if (find) {
        event.preventDefault();
        find.focus();
        find.select();
      }
      return;
    }
    var label = form.querySelector('[data-key="' + (window.CSS && CSS.escape ? CSS.escape(key) : key) + '"]');
    if (label) {
      event.preventDefault();
      press(form, label);
    }
  });

  // An age group and an exact age must agree: choosing one clears the other, and the server
  // derives the group from the age (mds.age_group_for), so the bands live in one place.
  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = captureForm();
    if (target && target.form && target.form.id === "capture-day" && target.name === "site") {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
      return;
    }
    if (!form || !form.contains(target)) {
      return;
    }
    if (target.name === "age_group" && target.checked) {
      var age = form.querySelector("input[name=age]");
      if (age) {
        age.value = "";
      }
    }
  });

  document.addEventListener("input", function (event) {
    var form = captureForm();
    var target = event.target;
    if (!form) {
      return;
    }
    if (target === findBox()) {
      showMatches(form);
    } else if (target.name === "age" && form.contains(target) && target.value !== "") {
      form.querySelectorAll("input[name=age_group]").forEach(function (input) {
        input.checked = false;
      });
    }
  });

  document.addEventListener("click", function (event) {
    var form = captureForm();
    if (!form) {
      return;
    }
    var option = event.target.closest ? event.target.closest("#capture-find-results [role=option]") : null;
    if (option) {
      tickFound(form, option.getAttribute("data-number"));
      return;
    }
    var clear = event.target.closest ? event.target.closest("[data-capture-clear]") : null;
    if (clear && form.contains(clear)) {
      event.preventDefault();
      clearForm(form);
    }
  });

  // htmx ------------------------------------------------------------------------------------------

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "capture-root") {
      prepare(true);
    }
  });

  function showProblem(textAttribute) {
    var form = captureForm();
    var status = document.getElementById("capture-status");
    if (!form || !status) {
      return;
    }
    status.textContent = "";
    var box = document.createElement("div");
    box.className = "capture-message bad";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = form.getAttribute(textAttribute) || "";
    text.appendChild(strong);
    box.appendChild(text);
    status.appendChild(box);
  }

  // The post never reached the server: keep the client id, so pressing Enter again is safe.
  document.addEventListener("htmx:sendError", function () {
    showProblem("data-offline-text");
  });
  document.addEventListener("htmx:responseError", function () {
    showProblem("data-failed-text");
  });

  // Coming back to the page from the history must not reuse a client id already sent.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      prepare(false);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      prepare(false);
    });
  } else {
    prepare(false);
  }
})();
