// conversation.ts: the conversation view: the messages (the agent's as text, the coach's as
// Markdown), an answer as it streams in, the feedback buttons under a finished answer, and what a
// screen reader hears. The log is not a live region: one polite announcer speaks the answer a
// sentence at a time, not every token.

import { label } from './cards';
import type { CoachEvent, CoachPayloads } from './coach-stream';
import { h, icon } from './dom';
import type { Reporter } from './events';
import type { FEEDBACK_RATINGS } from './generated/enums';
import { plainText, renderMarkdown } from './markdown';
import type { StoredMessage } from './types';

const THUMB_UP = 'M2 21h4V9H2v12zM22 10a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z';
const THUMB_DOWN = 'M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.4 1.1l1.1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7c-.8 0-1.5.5-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z';

export type Rating = Exclude<(typeof FEEDBACK_RATINGS)[number], 'none'>;

export interface MessageView {
  li: HTMLLIElement;
  who: HTMLElement;
  bubble: HTMLElement;
  foot: HTMLElement;
  text: string;
  messageId?: string;
  eventId?: string;
}

export interface ConversationHooks extends Reporter {
  /** Stores a rating (POST /v1/feedback); rejects when it was not saved. */
  sendFeedback(eventId: string, rating: Rating): Promise<unknown>;
}

export class Conversation {
  /** The scrolling part of the panel: the empty state and the log. */
  readonly element: HTMLDivElement;
  /** The live region; the widget puts it last in the panel. */
  readonly announcer: HTMLDivElement;
  disabled = false;
  #log: HTMLOListElement;
  #empty: HTMLParagraphElement;
  readonly #hooks: ConversationHooks;

  constructor(hooks: ConversationHooks) {
    this.#hooks = hooks;
    this.#empty = h('p', { class: 'empty' }, 'Ask about this lead: what to say, what to ask next, how to handle an objection.');
    this.#log = h('ol', { class: 'log', 'aria-label': 'Conversation with the coach' });  // announced through this.announcer
    this.element = h('div', { class: 'chat' }, this.#empty, this.#log);
    this.announcer = h('div', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'false', 'aria-relevant': 'additions' });
  }

  /** `whose`: another agent's turn in this lead's thread (a hand-off), labelled as theirs. */
  add(role: string, text: string, specialist?: string, whose?: string): MessageView {
    const who = h('div', { class: 'who' }, role === 'user' ? (whose ?? 'You') : whose ? `Coach, for ${whose}` : 'Coach');
    if (specialist && role === 'assistant') who.append(h('span', {}, `· ${label(specialist)}`));
    const bubble = h('div', { class: role === 'assistant' ? 'bubble md' : 'bubble' });
    const foot = h('div', {});
    const li = h('li', { class: `msg ${role === 'user' ? 'user' : 'assistant'}${whose ? ' earlier' : ''}` }, who, bubble, foot);
    if (whose) li.dataset.agent = whose;
    const v: MessageView = { li, who, bubble, foot, text };
    (li as any).__view = v;
    this.render(v);
    this.#log.appendChild(li);
    this.renderEmpty();
    return v;
  }

  /**
   * The stored messages, oldest first, into a cleared log; turns of agents other than `me` (a lead
   * handed over) are labelled with theirs. Returns the last answer's view when it
   * is still being written (the page was reloaded mid-stream): resume() follows it.
   */
  showHistory(all: StoredMessage[], me?: string): MessageView | undefined {
    let streaming: MessageView | undefined;
    for (const m of all) {
      if (m.role !== 'user' && m.role !== 'assistant') continue;
      const v = this.add(m.role, m.content, m.specialist, m.agent_id && me && m.agent_id !== me ? m.agent_id : undefined);
      if (m.role === 'assistant') {
        v.messageId = m.id;
        v.li.dataset.messageId = m.id;
        v.eventId = m.event_id;
        if (m.status === 'incomplete' || m.status === 'failed') this.interrupted(v);
        if (m.event_id && m.status !== 'streaming') this.addFeedback(v);  // a streaming one gets them at its end
        if (m === all[all.length - 1] && m.status === 'streaming') {
          v.li.classList.add('streaming');
          streaming = v;
        }
      }
    }
    this.renderEmpty();
    this.scrollDown();
    return streaming;
  }

  /** Follows an answer still being written (see showHistory) to its end; it stays as it is on failure. */
  async resume(v: MessageView, stream: (onEvent: (e: CoachEvent) => void) => Promise<void>): Promise<void> {
    try {
      await stream((e) => {
        if (e.event === 'delta') {
          v.text += e.data.text ?? '';
          this.render(v);
        } else if (e.event === 'done') {
          if (e.data.event_id) v.eventId = e.data.event_id;
          if (e.data.status !== 'complete') this.interrupted(v);
        }
      });
    } catch { /* shown as it is */ } finally {
      v.li.classList.remove('streaming');
      this.render(v);
      if (v.eventId && v.text && !v.foot.querySelector('.fb')) this.addFeedback(v);
    }
  }

  render(v: MessageView): void {
    if (v.li.classList.contains('user')) v.bubble.textContent = v.text;
    else v.bubble.replaceChildren(renderMarkdown(document, v.text));
    if (v.messageId) v.li.dataset.messageId = v.messageId;
  }

  interrupted(v: MessageView): void {
    v.foot.appendChild(h('p', { class: 'error' }, 'This answer was interrupted.'));
  }

  /** Empties the log (renderEmpty() shows the empty state, once there is nothing to load). */
  clear(): void {
    this.#log.replaceChildren();
  }

  renderEmpty(): void {
    this.#empty.hidden = this.#log.children.length > 0;
  }

  scrollDown(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }

  announce(text: string): void {
    this.announcer.appendChild(h('span', {}, text));
  }

  setDisabled(disabled: boolean): void {
    this.disabled = disabled;
    for (const b of this.#log.querySelectorAll<HTMLButtonElement>('.fb button')) b.disabled = disabled;
  }

  addFeedback(v: MessageView): void {
    const eventId = v.eventId!;
    const thanks = h('span', { class: 'thanks', 'aria-live': 'polite' });
    const make = (rating: Rating, path: string, text: string) => {
      const b = h('button', { type: 'button', 'aria-pressed': 'false', 'data-rating': rating }, icon(path), text);
      b.addEventListener('click', async () => {
        if (this.disabled) return;
        b.disabled = true;
        try {
          await this.#hooks.sendFeedback(eventId, rating);
          for (const x of group.querySelectorAll('button')) x.setAttribute('aria-pressed', String(x === b));
          thanks.textContent = 'Thanks: saved.';
          this.#hooks.emit('feedback', { event_id: eventId, rating, message_id: v.messageId });
        } catch (e) {
          thanks.textContent = 'Could not save the feedback; try again.';
          this.#hooks.fail(e, false);
        } finally {
          b.disabled = false;
        }
      });
      return b;
    };
    const group = h('div', { class: 'fb', role: 'group', 'aria-label': 'Was this answer helpful?' },
                    make('helpful', THUMB_UP, 'Helpful'), make('not_helpful', THUMB_DOWN, 'Not helpful'), thanks);
    v.foot.appendChild(group);
  }
}

const STEP_WORDS: Record<string, string> = {
  running: 'preparing…', done: 'ready', failed: 'could not be prepared', skipped: 'skipped (a limit was reached)',
  cancelled: 'stopped',
};

/**
 * An answer as it streams in: the first words at once, then one render per frame; whole
 * sentences announced as they complete; what the stream says beside the text under it.
 */
export class StreamingAnswer {
  readonly user: MessageView;
  readonly view: MessageView;
  status = 'incomplete';
  #announced = 0;
  #frame = 0;
  #started = false;
  #steps: HTMLElement | null = null;
  #stepsCost = 0;  // what a plan's steps cost: the usage line shows the answer's whole cost
  readonly #conversation: Conversation;
  readonly #onFirstWords: () => void;

  constructor(conversation: Conversation, query: string, onFirstWords: () => void) {
    this.#conversation = conversation;
    this.#onFirstWords = onFirstWords;
    this.user = conversation.add('user', query);
    const a = (this.view = conversation.add('assistant', ''));
    a.li.classList.add('streaming');
    a.bubble.setAttribute('aria-busy', 'true');
    conversation.scrollDown();
    conversation.announcer.replaceChildren(h('span', {}, 'The coach is answering. '));
  }

  /** Where the proxy stored the question and this answer. */
  stored(meta: CoachPayloads['meta']): void {
    const a = this.view;
    if (meta.message_id) a.messageId = meta.message_id;
    if (meta.event_id) a.eventId = meta.event_id;
    if (meta.user_message_id) this.user.li.dataset.messageId = meta.user_message_id;
    a.li.dataset.messageId = a.messageId ?? '';
  }

  specialist(name: string): void {
    this.view.who.append(h('span', {}, `· ${label(name)}`));
  }

  append(text: string): void {
    const c = this.#conversation;
    this.view.text += text;
    if (!this.#started) {
      this.#started = true;
      c.render(this.view);
      this.#onFirstWords();
    } else if (!this.#frame) {
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        c.render(this.view);
        c.scrollDown();
      });
    }
    this.#announce(false);
  }

  notice(text: string): void {
    this.view.foot.before(h('p', { class: 'notice' }, text));
  }

  /** A compound request's steps as they run: a line per specialist, with where it stands. */
  step(s: CoachPayloads['step']): void {
    if (!this.#steps) this.view.foot.before((this.#steps = h('ol', { class: 'steps', 'aria-label': 'Steps of this answer' })));
    const key = String(s.index ?? 0);
    let li = this.#steps.querySelector<HTMLElement>(`[data-step="${key}"]`);
    if (!li) this.#steps.appendChild((li = h('li', { 'data-step': key })));
    li.dataset.status = s.status ?? 'running';
    this.#stepsCost += Number(s.cost_usd) || 0;
    li.textContent = `${label(s.specialist ?? '')}: ${STEP_WORDS[s.status] ?? STEP_WORDS.running}`;
  }

  usage(u: CoachPayloads['usage']): void {
    const bits = [u.offline ? 'offline playbooks' : u.model, u.cost_usd ? `$${(Number(u.cost_usd) + this.#stepsCost).toFixed(4)}` : '',
                  u.latency_ms ? `${(u.latency_ms / 1000).toFixed(1)} s` : ''].filter(Boolean);
    this.view.foot.appendChild(h('p', { class: 'meta' }, bits.join(' · ')));
  }

  error(text: string): void {
    this.view.foot.appendChild(h('p', { class: 'error' }, text));
  }

  done(d: CoachPayloads['done']): void {
    this.status = d.status ?? 'complete';
    if (d.event_id) this.view.eventId = d.event_id;
  }

  /** The stream ended, however: no more frames; an answer with nothing in it goes. */
  settle(): void {
    const a = this.view;
    if (this.#frame) cancelAnimationFrame(this.#frame);
    a.li.classList.remove('streaming');
    a.bubble.removeAttribute('aria-busy');
    if (!a.text && !a.foot.childNodes.length) a.li.remove();
    else this.#conversation.render(a);
  }

  /** The rest announced and how it ended; feedback buttons for an answer there is to rate. */
  finish(): void {
    const a = this.view;
    const c = this.#conversation;
    this.#announce(true);
    if (this.status !== 'complete' && a.text) c.interrupted(a);
    c.announce(this.status === 'complete' ? 'Answer complete.' : 'The answer ended early.');
    if (a.eventId && a.text) c.addFeedback(a);
    c.scrollDown();
  }

  // Announces up to the last finished sentence (everything, at the end).
  #announce(all: boolean): void {
    const plain = plainText(this.view.text);
    const cut = all ? plain.length : Math.max(plain.lastIndexOf('. '), plain.lastIndexOf('? '), plain.lastIndexOf('! '), plain.lastIndexOf(': ')) + 1;
    if (cut > this.#announced) {
      this.#conversation.announce(plain.slice(this.#announced, cut) + ' ');
      this.#announced = cut;
    }
  }
}
