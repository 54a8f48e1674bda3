// The page loads SignalR's browser bundle (../signalr/signalr.min.js) as a classic script, which defines
// window.signalR; the ChatKit client's modules import what they use of it from here.
export const { HubConnectionBuilder, HubConnectionState, LogLevel } = globalThis.signalR;
