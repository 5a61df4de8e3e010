import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { listPage, type ListPage } from '../batches/list-page';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store';
import { GatewayError } from '../errors/gateway-error';
import { CONVERSATION_ID, conversationNotFound, newConversationId } from './conversation-id';
import {
  checkAppended,
  ConversationCreateRequestSchema,
  ConversationItemsCreateRequestSchema,
  ConversationItemsQuerySchema,
  conversationItems,
  ConversationUpdateRequestSchema,
} from './conversation-request';
import {
  CONVERSATION_STORE,
  type ConversationItem,
  type ConversationObject,
  type ConversationStore,
} from './conversation-store';
import { jsonBody } from './facade-job';

/** 404 for an item the conversation does not hold; its id is not quoted back (it is the caller's path). */
function itemNotFound(): GatewayError {
  return new GatewayError('not_found', 'The conversation has no item with this id.', { param: 'item_id' });
}

/** A JSON body, or none at all (`curl -X POST` with no body creates an empty conversation). */
const bodyOf = (req: FastifyRequest): unknown => (req.body === undefined ? {} : jsonBody(req));

/**
 * `/v1/conversations` (OpenAI's Conversations API): conversations and their items, kept in the
 * conversation store (conversation-store.ts) for RESPONSES_TTL_S from their last change. A
 * response with `conversation` (conversation-turn.ts) reads the items as its history and adds
 * its input and output items.
 */
@Controller('v1/conversations')
export class ConversationsController {
  constructor(
    @Inject(CONVERSATION_STORE) private readonly store: ConversationStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  @Post()
  @HttpCode(200)
  async create(@Req() req: FastifyRequest): Promise<ConversationObject> {
    const { items, metadata } = ConversationCreateRequestSchema.parse(bodyOf(req));
    const conversation: ConversationObject = {
      id: newConversationId(),
      object: 'conversation',
      created_at: Math.floor(Date.now() / 1000),
      metadata: metadata ?? {},
    };
    const result = await this.store.create(conversation, await conversationItems(items ?? [], this.blobs));
    checkAppended(result, 'items', () => conversationNotFound(conversation.id));
    return conversation;
  }

  @Get(':id')
  async retrieve(@Param('id') id: string): Promise<ConversationObject> {
    const conversation = CONVERSATION_ID.test(id) ? await this.store.get(id) : undefined;
    if (!conversation) throw conversationNotFound(id);
    return conversation;
  }

  @Post(':id')
  @HttpCode(200)
  async update(@Param('id') id: string, @Req() req: FastifyRequest): Promise<ConversationObject> {
    const { metadata } = ConversationUpdateRequestSchema.parse(bodyOf(req));
    const updated = CONVERSATION_ID.test(id) ? await this.store.update(id, metadata ?? {}) : undefined;
    if (!updated) throw conversationNotFound(id);
    return updated;
  }

  @Delete(':id')
  async delete(
    @Param('id') id: string,
  ): Promise<{ id: string; object: 'conversation.deleted'; deleted: true }> {
    if (!CONVERSATION_ID.test(id) || !(await this.store.delete(id))) throw conversationNotFound(id);
    return { id, object: 'conversation.deleted', deleted: true };
  }

  @Get(':id/items')
  async listItems(@Param('id') id: string, @Query() query: unknown): Promise<ListPage<ConversationItem>> {
    const parsed = ConversationItemsQuerySchema.parse(query);
    const page = CONVERSATION_ID.test(id) ? await this.store.page(id, parsed) : undefined;
    if (!page) throw conversationNotFound(id);
    return listPage(page.data, page.hasMore);
  }

  /** Adds up to 20 items after the last; answers them as a list. */
  @Post(':id/items')
  @HttpCode(200)
  async createItems(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
  ): Promise<ListPage<ConversationItem>> {
    if (!CONVERSATION_ID.test(id)) throw conversationNotFound(id);
    const items = await conversationItems(
      ConversationItemsCreateRequestSchema.parse(bodyOf(req)).items,
      this.blobs,
    );
    checkAppended(await this.store.append(id, items), 'items', () => conversationNotFound(id));
    return listPage(items, false);
  }

  @Get(':id/items/:item_id')
  async retrieveItem(@Param('id') id: string, @Param('item_id') itemId: string): Promise<ConversationItem> {
    await this.retrieve(id);
    const item = await this.store.item(id, itemId);
    if (!item) throw itemNotFound();
    return item;
  }

  /** Answers the conversation, as OpenAI does. */
  @Delete(':id/items/:item_id')
  async deleteItem(@Param('id') id: string, @Param('item_id') itemId: string): Promise<ConversationObject> {
    const result = CONVERSATION_ID.test(id) ? await this.store.deleteItem(id, itemId) : 'not_found';
    if (result === 'not_found') throw conversationNotFound(id);
    if (result === 'no_item') throw itemNotFound();
    return this.retrieve(id);
  }
}
