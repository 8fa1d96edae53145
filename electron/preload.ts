// Exposes one typed function to the sandboxed renderer: how to reach the gateway. Nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CHANNELS, type DesktopBridge, type DesktopConnection } from '../shared/ipc.js';

const bridge: DesktopBridge = {
  connection: () => ipcRenderer.invoke(IPC_CHANNELS.connection) as Promise<DesktopConnection>,
};

contextBridge.exposeInMainWorld('tollgate', bridge);
