// What the page uses of Tauri's global API (tauri.conf.json sets `withGlobalTauri`), declared
// for tsc: only ui/js/api.js touches it.

/** A channel the Rust side streams messages through (`tauri::ipc::Channel`). */
interface TauriChannel<T> {
  onmessage: (message: T) => void;
}

interface Window {
  /** Absent when the page is opened in a plain browser instead of the app. */
  __TAURI__?: {
    core: {
      invoke(command: string, args?: Record<string, unknown>): Promise<unknown>;
      Channel: new <T>() => TauriChannel<T>;
    };
  };
}
