// The "Notifications" toggle: Web Push for when this user has no page open. It asks for permission, registers the
// service worker (sw.js shows the notification and opens the chat on a click), subscribes with the server's VAPID key
// and hands the subscription to ChatKit (client.subscribePush). Off: unsubscribes here and on the server.

import { $, state } from "./state.js";

const FLAG = "chatkit.sample.notifications";

function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function show(on, text) {
  const toggle = $("notifications-toggle");
  toggle.setAttribute("aria-pressed", on ? "true" : "false");
  toggle.textContent = on ? "🔔 Notifications on" : "🔕 Notifications off";
  $("notifications-status").textContent = text ?? "";
}

/** The server's VAPID public key as bytes, or null when the server has no Web Push (404). */
async function serverKey() {
  const response = await fetch("/chats/push-subscriptions/vapid-public-key", { headers: { Authorization: `Bearer ${state.token}` } });
  if (response.status === 404) {
    return null;
  }
  if (!response.ok) {
    throw new Error(`The server's push key could not be read (${response.status}).`);
  }
  const { publicKey } = await response.json();
  const base64 = publicKey.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

async function enable() {
  if (await Notification.requestPermission() !== "granted") {
    show(false, "Notifications are blocked for this site; allow them in the browser's site settings.");
    return;
  }
  const key = await serverKey();
  if (!key) {
    show(false, "This server does not send push notifications.");
    return;
  }
  const registration = await navigator.serviceWorker.register("/sw.js");
  await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription()
    ?? await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  await state.client.subscribePush(subscription.toJSON());
  localStorage.setItem(FLAG, "on");
  show(true, "You will be notified of messages while no ChatKit page of yours is open.");
}

async function disable() {
  localStorage.removeItem(FLAG);
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  if (subscription) {
    await state.client.unsubscribePush(subscription.endpoint);
    await subscription.unsubscribe();
  }
  show(false, "");
}

/** Wires the toggle once signed in; renews this browser's subscription for the signed-in user when it was on. */
export function wireNotifications(onError) {
  const toggle = $("notifications-toggle");
  if (!supported()) {
    toggle.hidden = true;
    return;
  }
  toggle.hidden = false;
  show(false);
  toggle.addEventListener("click", () => {
    const on = toggle.getAttribute("aria-pressed") === "true";
    toggle.disabled = true;
    (on ? disable() : enable())
      .catch((error) => { show(on, ""); onError(error); })
      .finally(() => { toggle.disabled = false; });
  });
  if (localStorage.getItem(FLAG) === "on" && Notification.permission === "granted") {
    enable().catch(onError); // the same browser may now be signed in as someone else: the subscription moves to them
  }
}
