// photos.ts: listing photos for the coach: picked, dropped or pasted; resized in the browser
// (1568 px on the long side, about 1.15 megapixels: what Claude reads without scaling) and sent
// as JPEG with the next question, at most five. The proxy checks them again.

import { ApiError } from './api';
import { h, icon } from './dom';
import type { Reporter } from './events';

export const MAX_PHOTOS = 5;
const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp'];
const CAMERA = 'M9 4 7.2 6H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-3.2L15 4H9zm3 4.5a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9zm0 2a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5z';

export interface Photo {
  media_type: 'image/jpeg';
  data: string;  // base64
  url: string;   // an object URL for the thumbnail
  name: string;
}

async function base64Of(blob: Blob): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(',') + 1);
}

async function resize(file: File): Promise<Photo> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1568 / Math.max(bitmap.width, bitmap.height), Math.sqrt(1.15e6 / (bitmap.width * bitmap.height)));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const g = canvas.getContext('2d')!;
  g.fillStyle = '#fff';  // JPEG has no transparency
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
  if (!blob) throw new ApiError('coach.invalid_images', `${file.name}: the photo could not be read`);
  return { media_type: 'image/jpeg', data: await base64Of(blob), url: URL.createObjectURL(blob), name: file.name };
}

export class PhotoTray {
  readonly button: HTMLButtonElement;
  readonly element: HTMLDivElement;
  #input: HTMLInputElement;
  #photos: Photo[] = [];
  #pending = 0;
  #report: Reporter;

  constructor(id: string, report: Reporter) {
    this.#report = report;
    this.#input = h('input', { type: 'file', accept: ACCEPTED.join(','), multiple: '', class: 'sr-only', id, tabindex: '-1', 'aria-label': 'Listing photos' });
    this.button = h('button', { type: 'button', class: 'attach', 'aria-label': 'Add listing photos', title: 'Add listing photos (up to 5)' }, icon(CAMERA));
    this.element = h('div', { class: 'photos', 'aria-live': 'polite' });
    this.element.hidden = true;
    this.button.addEventListener('click', () => this.#input.click());
    this.#input.addEventListener('change', () => {
      void this.add(Array.from(this.#input.files ?? []));
      this.#input.value = '';
    });
  }

  /** The hidden file input, to place in the form. */
  get input(): HTMLInputElement {
    return this.#input;
  }

  get count(): number {
    return this.#photos.length;
  }

  get busy(): boolean {
    return this.#pending > 0;
  }

  /** Adds image files (from the picker, a drop or a paste); refuses other types and any past five. */
  async add(files: File[]): Promise<void> {
    for (const file of files) {
      if (!ACCEPTED.includes(file.type)) {
        this.#report.fail(new ApiError('coach.invalid_images', `${file.name || 'that file'}: photos must be JPEG, PNG or WebP`));
        continue;
      }
      if (this.#photos.length + this.#pending >= MAX_PHOTOS) {
        this.#report.fail(new ApiError('coach.invalid_images', `at most ${MAX_PHOTOS} photos per question`));
        break;
      }
      this.#pending++;
      try {
        this.#photos.push(await resize(file));
      } catch (e) {
        this.#report.fail(e instanceof ApiError ? e : new ApiError('coach.invalid_images', `${file.name}: the photo could not be read`));
      } finally {
        this.#pending--;
      }
      this.#render();
    }
    this.#report.emit('photos', { count: this.#photos.length });
  }

  /** The photos to send, as the proxy takes them; the tray empties. */
  take(): Array<{ media_type: string; data: string }> {
    const out = this.#photos.map((p) => ({ media_type: p.media_type, data: p.data }));
    this.clear();
    return out;
  }

  clear(): void {
    for (const p of this.#photos) URL.revokeObjectURL(p.url);
    this.#photos = [];
    this.#render();
  }

  #render(): void {
    this.element.hidden = this.#photos.length === 0;
    this.element.replaceChildren(...this.#photos.map((p, i) => {
      const remove = h('button', { type: 'button', class: 'remove', 'aria-label': `Remove photo ${i + 1}` }, '✕');
      remove.addEventListener('click', () => {
        URL.revokeObjectURL(p.url);
        this.#photos.splice(i, 1);
        this.#render();
      });
      return h('figure', { class: 'thumb' }, h('img', { src: p.url, alt: `Photo ${i + 1}: ${p.name}` }), remove);
    }));
  }
}
