// The "Trusted devices" card: the devices where a sign-in needs no code (newest first), the one this browser holds
// marked "This device", and Forget for one of them or for all, each confirmed first like the page's other removals.
import type { TrustedDevice } from '../lib/contract';
import { describeFailure } from './failure';
import { isolate, type Render } from './localizer';
import { onSubmit, type PageContext } from './page-context';
import { deviceName, renderDeviceItem, requireElement } from './render';
import type { TrustedDeviceStore } from './trusted-device-store';

/** What the kit uses when no answer has said otherwise (TRUSTED_DEVICE_DAYS' default). */
export const DEFAULT_TRUSTED_DEVICE_DAYS = 30;

export interface TrustedDevicesHooks {
  /** After each load: how many days a newly trusted device stays trusted (the checkboxes say so). */
  loaded(trustedDeviceDays: number): void;
  /** This browser's own device was forgotten (alone or with all): the check offers it no more. */
  forgotten(): void;
}

export interface TrustedDevices {
  /** Shows the card while a verified authenticator exists (devices are trusted by its codes), and loads it. */
  configure(enrolled: boolean): void;
  load(): Promise<void>;
  clear(): void;
}

export function createTrustedDevices(ctx: PageContext, store: TrustedDeviceStore, hooks: TrustedDevicesHooks, now: () => number = Date.now): TrustedDevices {
  const section = requireElement(document, '#devices', HTMLElement);
  const title = requireElement(document, '#devices-title', HTMLHeadingElement);
  const empty = requireElement(document, '#devices-empty', HTMLParagraphElement);
  const list = requireElement(document, '#device-list', HTMLUListElement);
  const allToggle = requireElement(document, '#forget-all-toggle', HTMLButtonElement);
  const allForm = requireElement(document, '#forget-all-form', HTMLFormElement);
  const allCancel = requireElement(document, '#forget-all-cancel', HTMLButtonElement);
  let enrolled = false;
  /** Of overlapping loads only the latest is shown. */
  let latest = 0;

  /** A Forget button and the confirmation it opens in its place. */
  function confirmWith(toggle: HTMLButtonElement, form: HTMLFormElement, cancel: HTMLButtonElement): (open: boolean) => void {
    const show = (open: boolean): void => {
      form.hidden = !open;
      toggle.hidden = open;
      toggle.setAttribute('aria-expanded', String(open));
    };
    toggle.addEventListener('click', () => {
      show(true);
      requireElement(form, 'button[type="submit"]', HTMLButtonElement).focus();
    });
    cancel.addEventListener('click', () => {
      show(false);
      toggle.focus();
    });
    show(false);
    return show;
  }
  const showAllForm = confirmWith(allToggle, allForm, allCancel);

  /** Forgets one device or all; the list is loaded again and the focus goes to the card's heading. */
  async function forget(request: { deviceId: string } | { all: true }, done: Render): Promise<void> {
    try {
      await ctx.api.forgetDevice(request);
    } catch (error) {
      ctx.reportFailure(error);
      // Forgotten meanwhile (another tab, another device): the list shows what is left.
      void load();
      return;
    }
    const held = store.held();
    if ('all' in request || held?.deviceId === request.deviceId) {
      store.drop();
      hooks.forgotten();
    }
    await load();
    title.focus();
    ctx.announcer.announce('success', done);
  }

  function wireItem(device: TrustedDevice, index: number, heldId: string | undefined): HTMLLIElement {
    const view = renderDeviceItem(ctx.i18n, device, device.deviceId === heldId, index, now);
    confirmWith(view.forgetButton, view.forgetForm, view.cancelButton);
    onSubmit(view.forgetForm, () =>
      forget({ deviceId: device.deviceId }, (t) => t.parts('devices.forgotten', { name: isolate(document, deviceName(t, device)) })),
    );
    return view.root;
  }

  async function load(): Promise<void> {
    const request = (latest += 1);
    let devices: TrustedDevice[];
    let days: number;
    try {
      ({ devices, trustedDeviceDays: days } = await ctx.api.listDevices());
    } catch (error) {
      // A refused token ends the session (said at the top); anything else leaves the card out of the way, unannounced.
      if (describeFailure(error).sessionEnded) ctx.reportFailure(error);
      if (request === latest) section.hidden = true;
      return;
    }
    if (request !== latest || !enrolled) return;
    const heldId = store.held()?.deviceId;
    list.replaceChildren(...devices.map((device, index) => wireItem(device, index, heldId)));
    empty.hidden = devices.length > 0;
    showAllForm(false);
    allToggle.hidden = devices.length === 0;
    section.hidden = false;
    hooks.loaded(days);
  }

  onSubmit(allForm, () => forget({ all: true }, (t) => t.text('devices.allForgotten')));

  function clear(): void {
    latest += 1;
    enrolled = false;
    section.hidden = true;
    list.replaceChildren();
    showAllForm(false);
  }

  return {
    configure(verified) {
      if (!verified) return clear();
      enrolled = true;
      void load();
    },
    load,
    clear,
  };
}
