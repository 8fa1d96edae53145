// Start at login on Linux: an XDG autostart entry (~/.config/autostart/<name>.desktop), which GNOME,
// KDE, Xfce and the other desktops that follow freedesktop.org run at login. Electron's own login
// item settings only work on macOS and Windows. Plain Node, so it is tested without Electron.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Passed to Tollgate when the login item starts it, so it goes to the tray without opening a window. */
export const STARTED_AT_LOGIN_FLAG = '--hidden';

export interface LoginItem {
  get(): boolean;
  set(enabled: boolean): void;
}

export interface XdgAutostartOptions {
  /** The entry's file name without `.desktop`, e.g. `tollgate`. */
  name: string;
  /** What the desktop shows for it. */
  displayName: string;
  /** The program and its arguments. */
  command: readonly string[];
  /** $XDG_CONFIG_HOME; defaults to the environment's, else ~/.config. */
  configHome?: string;
}

export function xdgAutostart(options: XdgAutostartOptions): LoginItem {
  const configHome = options.configHome ?? (process.env.XDG_CONFIG_HOME || join(homedir(), '.config'));
  const file = join(configHome, 'autostart', `${options.name}.desktop`);
  return {
    get() {
      if (!existsSync(file)) return false;
      // A user may have switched the entry off in their desktop's settings rather than removing it.
      const entry = readFileSync(file, 'utf8');
      return !/^Hidden\s*=\s*true\s*$/m.test(entry) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(entry);
    },
    set(enabled) {
      if (!enabled) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        [
          '[Desktop Entry]',
          'Type=Application',
          `Name=${options.displayName}`,
          `Exec=${execLine(options.command)}`,
          'Terminal=false',
          'X-GNOME-Autostart-enabled=true',
          '',
        ].join('\n'),
      );
    },
  };
}

/**
 * A desktop entry's Exec value. The file's string escapes (`\\` for a backslash) apply before the
 * Exec quoting rules, so a backslash escaped for Exec is escaped once more for the file.
 */
export function execLine(command: readonly string[]): string {
  return command.map(execArgument).join(' ').replaceAll('\\', '\\\\');
}

/**
 * One argument of a desktop entry's Exec key: quoted when it holds a reserved character, with `"`,
 * `` ` ``, `$` and `\` escaped inside the quotes; `%` doubled, as field codes start with it.
 */
export function execArgument(argument: string): string {
  const text = argument.replaceAll('%', '%%');
  if (!/[\s"'\\><~|&;$*?#()`]/.test(text) && text !== '') return text;
  return `"${text.replace(/["`$\\]/g, (char) => `\\${char}`)}"`;
}
