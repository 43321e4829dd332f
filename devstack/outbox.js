// The local outbox page keeps itself up to date by polling, not by reloading the page
// (a meta refresh moves focus and the reading position every few seconds; WCAG 2.2.1).
const list = document.getElementById("correos");
const status = document.getElementById("estado");
let shown = Number(list.dataset.count || "0");
let states = "";

function article(mail) {
  const item = document.createElement("article");
  const subject = document.createElement("h2");
  subject.textContent = mail.subject;
  const to = document.createElement("p");
  const label = document.createElement("b");
  label.textContent = "Para:";
  to.append(label, " ", mail.to);
  // R-MAIL-4: what the local mailbox simulator reported of the mail.
  const delivery = document.createElement("p");
  const deliveryLabel = document.createElement("b");
  deliveryLabel.textContent = "Entrega:";
  const state = document.createElement("span");
  state.dataset.delivery = "";
  state.textContent = mail.delivery;
  delivery.append(deliveryLabel, " ", state);
  const text = document.createElement("pre");
  text.textContent = mail.text;
  item.append(subject, to, delivery, text);
  return item;
}

function said(count) {
  return count === 1 ? "1 correo enviado." : `${count} correos enviados.`;
}

async function refresh() {
  try {
    const answer = await fetch("/outbox.json", { cache: "no-store" });
    const mails = await answer.json();
    const now = mails.map((mail) => mail.delivery).join("|");
    if (mails.length !== shown || now !== states) {
      states = now;
      list.replaceChildren(...mails.slice().reverse().map(article));
      status.textContent =
        mails.length > shown ? `Llegó un correo nuevo. ${said(mails.length)}` : said(mails.length);
      shown = mails.length;
    }
  } catch {
    status.textContent = "No se pudo leer la bandeja local; se reintenta en unos segundos.";
  }
}

setInterval(refresh, 3000);
