// The sample's service worker: shows ChatKit's Web Push notifications ({ id, title, body, conversationId, messageId,
// messageCount, url }, docs/notifications.md) and, on a click, focuses an open chat page (telling it which conversation
// to open) or opens one at the notification's url.

self.addEventListener("push", (event) => {
  const data = event.data ? event.data.json() : {};
  event.waitUntil(self.registration.showNotification(data.title ?? "ChatKit", {
    body: data.body ?? "",
    tag: data.id, // a notification delivered twice (at least once) replaces itself
    icon: "/favicon.svg",
    data: { url: data.url ?? "/", conversationId: data.conversationId },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const { url, conversationId } = event.notification.data ?? {};
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const page = windows.find((client) => new URL(client.url).origin === self.location.origin);
    if (page) {
      await page.focus();
      page.postMessage({ type: "chatkit-open", conversationId });
      return;
    }
    await self.clients.openWindow(url ?? "/");
  })());
});
