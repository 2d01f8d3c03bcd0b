storyboard-shot-let-go = 未开始：会话已先结束，积分已退回。
